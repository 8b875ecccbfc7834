import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { managedPodSettings, readPosts, serveManagedPod, type ManagedPod } from "../helpers/managed-pod";
import { podhost } from "../helpers/podhost";
import { tempDir, waitFor } from "../helpers/temp";
import { restic, resticEnv, setUpBackups, startPod } from "./helpers";

/**
 * A backup taken while the pod writes without pause: the stand-in pod adds a post and bumps a
 * counter in one transaction every few milliseconds. A consistent copy has exactly as many
 * posts as its counter says (one point in time), and no post whose digest does not match.
 */
describe("a backup while the pod writes continuously", () => {
  let pod: ManagedPod;
  let scratch: { path: string; cleanup: () => Promise<void> };

  beforeAll(async () => {
    scratch = await tempDir();
    pod = await serveManagedPod(await managedPodSettings(["--write-continuously"]));
    await startPod(pod.dataDir);
    await waitFor("the pod to have written 100 posts", async () => (await readPosts(pod.podPort)).length >= 100, 30_000, 100);
  });
  afterAll(async () => {
    await pod?.cleanup();
    await scratch?.cleanup();
  });

  it("holds a database copy from one point in time: the post count matches the counter, and no row is torn", async () => {
    const repository = join(pod.dataDir, "..", `${pod.dataDir.split("/").pop()}-repo`);
    const passphrase = await setUpBackups(pod.dataDir, repository);
    const backup = await podhost(pod.dataDir, ["backup", "now"]);
    expect(backup.code, backup.stderr).toBe(0);
    const livePosts = (await readPosts(pod.podPort)).length;

    // Read the dump back with restic and pg_restore themselves (the trusted peers), not with podhost.
    const dump = execFileSync(restic, ["dump", "latest", join(pod.dataDir, "backup", "staging", "database.pgdump")], { env: resticEnv(repository, passphrase), maxBuffer: 512 * 1024 * 1024, stdio: ["ignore", "pipe", "ignore"] });
    const file = join(scratch.path, "database.pgdump");
    await writeFile(file, dump);
    const sql = execFileSync("pg_restore", ["--data-only", "--file", "-", file], { encoding: "utf8", maxBuffer: 512 * 1024 * 1024 });
    const copyRows = (table: string) => {
      const start = sql.indexOf(`COPY public.${table} `);
      expect(start, `${table} in the dump`).toBeGreaterThanOrEqual(0);
      const body = sql.slice(sql.indexOf("\n", start) + 1, sql.indexOf("\n\\.\n", start));
      return body === "" ? [] : body.split("\n").map((line) => line.split("\t"));
    };
    const posts = copyRows("posts");
    const [[counter]] = copyRows("post_count") as [[string]];
    expect(posts.length).toBeGreaterThanOrEqual(100);
    expect(posts.length).toBe(Number(counter));
    for (const [, body, digest] of posts) expect(createHash("md5").update(body!).digest("hex")).toBe(digest);
    // The pod kept writing during and after the backup: the copy is a moment, not the end state.
    expect(livePosts).toBeGreaterThan(posts.length);
  });
});
