import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Releases } from "../../main/pod/install/releases";
import { installSettings } from "../../shared/install";
import { makeDiasporaRepository, type DiasporaRepository } from "../fixtures/diaspora-release/repository";
import { tempDir, waitFor } from "../helpers/temp";
import { ManualClock } from "../net/manual-clock";

const hour = 60 * 60 * 1000;

describe("looking for new diaspora* releases", () => {
  let root: string;
  let cleanup: () => Promise<void>;
  let repository: DiasporaRepository;
  let env: NodeJS.ProcessEnv;
  const askedLog = () => join(root, "git-calls");
  /** How often git asked the repository for its tags. */
  const asked = async () => (await readFile(askedLog(), "utf8").catch(() => "")).split("\n").filter((line) => line.startsWith("ls-remote")).length;

  beforeAll(async () => {
    ({ path: root, cleanup } = await tempDir("podhost-releases-"));
    repository = await makeDiasporaRepository(join(root, "fixture"));
    // The real git, with each call written down on the way.
    await writeFile(join(root, "git"), `#!/bin/sh\necho "$@" >> '${askedLog()}'\nexec /usr/bin/git "$@"\n`, { mode: 0o755 });
    env = { PATH: `${root}:/usr/bin:/bin`, GIT_ALLOW_PROTOCOL: "file" };
  });
  afterAll(async () => cleanup?.());

  it("never asks the repository while pod.install.checkReleases is off (the default)", async () => {
    const clock = new ManualClock();
    const releases = new Releases(join(root, "off"), env, clock, () => {});
    await releases.open(undefined);
    releases.configure(installSettings.parse({ repository: repository.path }));
    clock.advance(3 * 24 * hour);
    expect(await asked()).toBe(0);
    expect(releases.info()).toEqual({});
  });

  it("asks at most once a day when allowed, remembers the answer across a restart, and offers the newer stable release", async () => {
    const clock = new ManualClock();
    const dir = join(root, "on");
    // Called once the answer is on disk.
    let saved = 0;
    const releases = new Releases(dir, env, clock, () => saved++);
    await releases.open(undefined);
    await releases.installed("v0.9.0.0");
    releases.configure(installSettings.parse({ repository: repository.path, checkReleases: true }));
    clock.advance(0);
    await waitFor("the first check", async () => saved === 2 && (await asked()) === 1);
    expect(releases.info()).toMatchObject({ installed: "v0.9.0.0", latest: "v0.9.1.0", upgrade: "v0.9.1.0" });
    clock.advance(23 * hour);
    expect(await asked()).toBe(1);
    releases.close();

    // podhost restarts 23 hours after the check: it waits out the day instead of asking again.
    let savedAgain = 0;
    const again = new Releases(dir, env, clock, () => savedAgain++);
    await again.open(undefined);
    again.configure(installSettings.parse({ repository: repository.path, checkReleases: true }));
    clock.advance(0);
    expect(again.info()).toMatchObject({ latest: "v0.9.1.0", upgrade: "v0.9.1.0" });
    expect(await asked()).toBe(1);
    clock.advance(hour + 1000);
    await waitFor("the next day's check", async () => savedAgain > 0 && (await asked()) === 2);
    again.close();
  });
});
