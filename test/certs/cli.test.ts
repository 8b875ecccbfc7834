import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { podhost, servePodhost } from "../helpers/podhost";
import { tempDir } from "../helpers/temp";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("podhost certs renew: the exit code says whether a new certificate was made", () => {
  it("exits 0 with a new local certificate, and 1 with the reason when it could not be written", async () => {
    const dir = await tempDir("podhost-certs-cli-");
    cleanups.push(dir.cleanup);
    const served = await servePodhost(dir.path);
    cleanups.push(() => served.stop());
    const renewed = await podhost(dir.path, ["certs", "renew"]);
    expect(renewed.stdout).toMatch(/^Serving a certificate from podhost's local CA for /);
    expect(renewed.code).toBe(0);

    // A file where the certificate's folder belongs: the write fails whoever runs it (root included).
    const folder = join(dir.path, "certs", "local");
    await rm(folder, { recursive: true });
    await writeFile(folder, "not a folder");
    const failed = await podhost(dir.path, ["certs", "renew"]);
    expect(failed.stdout).toMatch(/^The local certificate could not be made: .*\.$/m);
    expect(failed.code).toBe(1);
  });
});
