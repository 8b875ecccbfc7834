import { afterEach, describe, expect, it } from "vitest";
import { chmod, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { podhost, servePodhost } from "../helpers/podhost";
import { tempDir } from "../helpers/temp";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function dir() {
  const made = await tempDir();
  cleanups.push(made.cleanup);
  return made.path;
}

describe("podhost open", () => {
  it("prints the UI's link with the access key, and says what the link is", async () => {
    const data = await dir();
    const served = await servePodhost(data);
    cleanups.push(() => served.stop());
    const opened = await podhost(data, ["open"]);
    expect(opened.code).toBe(0);
    expect(opened.stdout.trim()).toBe(served.uiUrl);
    expect(opened.stderr).toMatch(/access key of this PC's podhost: it does not expire, and anyone who has it can control podhost/);
  });

  it("opens the link with the desktop's opener when asked, and fails plainly without one", async () => {
    const data = await dir();
    const served = await servePodhost(data);
    cleanups.push(() => served.stop());
    // xdg-open is the desktop's part; this stand-in records what it was asked to open.
    const bin = await dir();
    const received = join(bin, "opened");
    await writeFile(join(bin, "xdg-open"), `#!/bin/sh\nprintf '%s' "$1" > '${received}'\n`);
    await chmod(join(bin, "xdg-open"), 0o755);
    const opened = await podhost(data, ["open", "--browser"], { PATH: `${bin}:${process.env.PATH}` });
    expect(opened.code).toBe(0);
    expect(await readFile(received, "utf8")).toBe(served.uiUrl);

    const without = await podhost(data, ["open", "--browser"], { PATH: bin.replace(/$/, "-none") });
    expect(without.code).toBe(1);
    expect(without.stderr).toMatch(/The link could not be opened: xdg-open could not be run \(ENOENT\)\. Open the link printed above/);
  });

  it("says podhost is not running when no daemon serves the data dir", async () => {
    const result = await podhost(await dir(), ["open"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/podhost is not running/);
  });
});
