import { afterEach, describe, expect, it } from "vitest";
import { podhost, servePodhost } from "../helpers/podhost";
import { tempDir } from "../helpers/temp";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("a command that did not do what it was asked exits non-zero", () => {
  it("podhost start exits 1 when the pod did not start (nothing to run yet), and stop exits 0 once it is stopped", async () => {
    const dir = await tempDir("podhost-exit-");
    cleanups.push(dir.cleanup);
    const served = await servePodhost(dir.path);
    cleanups.push(() => served.stop());
    const start = await podhost(dir.path, ["start"]);
    expect(start.stdout).toMatch(/^- Pod +stopped +The pod cannot start: No diaspora\* folder is chosen\./m);
    expect(start.code).toBe(1);
    const stop = await podhost(dir.path, ["stop"]);
    expect(stop.code).toBe(0);
  });
});
