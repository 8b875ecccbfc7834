import { describe, expect, it } from "vitest";
import { spawnPodhost } from "../helpers/podhost";
import { tempDir, waitFor } from "../helpers/temp";

describe("npm start where Electron cannot be had", () => {
  it("says why in one line and starts headless, printing the UI's address", async () => {
    const dir = await tempDir();
    // The download goes to a mirror on loopback that refuses, so nothing leaves this machine.
    const launched = spawnPodhost(dir.path, ["launch"], { ELECTRON_MIRROR: "http://127.0.0.1:9/", electron_config_cache: dir.path, ELECTRON_OVERRIDE_DIST_PATH: "" });
    try {
      await waitFor("the UI address", () => /podhost UI: http:\/\/127\.0\.0\.1:\d+\/#token=/.test(launched.output()), 30_000);
      const lines = launched.output().split("\n");
      const reason = lines.find((line) => line.includes("starting podhost headless"));
      expect(reason).toMatch(/^Electron is not available: .*; starting podhost headless\.$/);
    } finally {
      launched.child.kill("SIGTERM");
      await launched.exited;
      await dir.cleanup();
    }
  });
});
