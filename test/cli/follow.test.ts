import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { podhost, servePodhost, spawnPodhost, type ServedPodhost } from "../helpers/podhost";
import { tempDir, waitFor } from "../helpers/temp";

let dir: { path: string; cleanup: () => Promise<void> };
const running: ServedPodhost[] = [];
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  for (const served of running.splice(0)) await served.stop();
  await dir.cleanup();
});

async function serve(): Promise<ServedPodhost> {
  const served = await servePodhost(dir.path);
  running.push(served);
  return served;
}

async function restart(served: ServedPodhost): Promise<ServedPodhost> {
  running.splice(running.indexOf(served), 1);
  expect(await served.stop()).toBe(0);
  return serve();
}

const count = (text: string, pattern: RegExp) => text.match(new RegExp(pattern.source, "g"))?.length ?? 0;

async function set(key: string, value: string): Promise<void> {
  const result = await podhost(dir.path, ["config", "set", key, value]);
  expect(result.code, result.stderr).toBe(0);
}

describe("followers in the terminal, across a daemon restart", () => {
  it("`podhost logs -f` says it lost the daemon, then goes on with the new daemon's lines, none twice", async () => {
    const first = await serve();
    const follower = spawnPodhost(dir.path, ["logs", "-f"]);
    await waitFor("the follower's first lines", () => /is up/.test(follower.output()));
    await set("domain", "before.example.org");
    await waitFor("the first change in the followed log", () => /Settings changed: domain/.test(follower.output()));

    await restart(first);
    await waitFor("the follower to say the daemon went", () => /lost the daemon.*waiting for it to come back/.test(follower.output()));
    await waitFor("the follower to find the new daemon", () => /connected to the daemon again/.test(follower.output()));
    await set("proxy.maxBodyMiB", "9");
    await waitFor("the change made after the restart", () => /Settings changed: proxy\.maxBodyMiB/.test(follower.output()));

    const output = follower.output();
    expect(count(output, /Settings changed: domain/)).toBe(1);
    expect(count(output, /Settings changed: proxy\.maxBodyMiB/)).toBe(1);
    // Both daemons' start lines, once each.
    expect(count(output, /is up; UI at/)).toBe(2);
    follower.child.kill("SIGINT");
    expect(await follower.exited).toBe(0);
  });

  it("`podhost status --watch` prints each change, and changes made after a restart", async () => {
    const first = await serve();
    const watcher = spawnPodhost(dir.path, ["status", "--watch"]);
    await waitFor("the first status", () => /Pod\s+not-configured/.test(watcher.output()));
    await set("pod.profile", "custom");
    await set("pod.command", process.execPath);
    await waitFor("the pod set up", () => /Pod\s+stopped/.test(watcher.output()));

    await restart(first);
    await waitFor("the watcher to find the new daemon", () => /connected to the daemon again/.test(watcher.output()));
    const before = watcher.output().length;
    await set("pod.profile", "diaspora");
    await waitFor("the change made after the restart", () => /Pod\s+not-configured/.test(watcher.output().slice(before)));
    watcher.child.kill("SIGINT");
    expect(await watcher.exited).toBe(0);
  });

  it("`podhost status --watch` with no daemon at all fails at once and says so", async () => {
    const result = await podhost(dir.path, ["status", "--watch"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/podhost is not running/);
  });
});
