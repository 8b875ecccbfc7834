import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { managedPostgresConnection, postgresEnv } from "../../main/pod/managed-postgres";
import { addPost, managedPodSettings, serveManagedPod, type ManagedPod } from "../helpers/managed-pod";
import { podhost } from "../helpers/podhost";
import { tempDir } from "../helpers/temp";
import { dumpVerdicts, restic, resticEnv, setUpBackups, startPod } from "./helpers";

/**
 * podhost keeps the last database dump and reuses it while the database is unchanged. Reuse must
 * never cost a committed write: each case here commits something the way a pod or PostgreSQL
 * itself may, backs up, and restores the snapshot's dump into a new database with restic and
 * pg_restore (the trusted peers) to read it back. And what is not a change (a checkpoint, a
 * VACUUM: the WAL moves, no data does) must not cost a new dump.
 */
describe("reusing the kept database dump", () => {
  let pod: ManagedPod;
  let scratch: { path: string; cleanup: () => Promise<void> };
  let repository: string;
  let passphrase: string;
  let restores = 0;
  const asPod = () => postgresEnv(managedPostgresConnection(pod.dataDir, "custom"), process.env);
  const asSuperuser = () => ({ ...asPod(), PGUSER: "podhost" });
  const sql = (env: NodeJS.ProcessEnv, ...commands: string[]) => execFileSync("psql", ["-qtAX", "-v", "ON_ERROR_STOP=1", ...commands.flatMap((c) => ["-c", c])], { env, encoding: "utf8" }).trim();

  /** `podhost backup now`, and whether it dumped the database or reused the kept dump. */
  async function backUp(): Promise<"dumped" | "reused"> {
    const before = (await dumpVerdicts(pod.dataDir)).length;
    const result = await podhost(pod.dataDir, ["backup", "now"]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const verdicts = (await dumpVerdicts(pod.dataDir)).slice(before);
    expect(verdicts).toHaveLength(1);
    return verdicts[0]!;
  }

  /** `query` in a new database restored from the newest snapshot's dump. */
  async function inRestoredDatabase(query: string): Promise<string> {
    const dump = execFileSync(restic, ["dump", "latest", join(pod.dataDir, "backup", "staging", "database.pgdump")], { env: resticEnv(repository, passphrase), maxBuffer: 512 * 1024 * 1024, stdio: ["ignore", "pipe", "pipe"] });
    const file = join(scratch.path, "database.pgdump");
    await writeFile(file, dump);
    const name = `restored_${++restores}`;
    sql({ ...asSuperuser(), PGDATABASE: "postgres" }, `CREATE DATABASE ${name}`);
    execFileSync("pg_restore", ["--no-owner", "--exit-on-error", "--dbname", name, file], { env: asSuperuser(), stdio: ["ignore", "pipe", "pipe"] });
    return sql({ ...asSuperuser(), PGDATABASE: name }, query);
  }

  beforeAll(async () => {
    scratch = await tempDir();
    pod = await serveManagedPod(await managedPodSettings());
    await startPod(pod.dataDir);
    await addPost(pod.podPort, "the first post");
    repository = join(pod.dataDir, "..", `${pod.dataDir.split("/").pop()}-repo`);
    passphrase = await setUpBackups(pod.dataDir, repository);
  });
  afterAll(async () => {
    await pod?.cleanup();
    await scratch?.cleanup();
  });

  it("reuses the dump after a checkpoint and a VACUUM: the WAL moved, the data did not", async () => {
    expect(await backUp()).toBe("dumped");
    const wal = () => sql(asSuperuser(), "SELECT pg_current_wal_lsn()");
    const walBefore = wal();
    sql(asSuperuser(), "VACUUM", "CHECKPOINT");
    expect(wal()).not.toBe(walBefore);
    expect(await backUp()).toBe("reused");
  });

  it("has a post committed with synchronous_commit off right before the backup in the restored database", async () => {
    // An asynchronous commit is visible at once but reaches the WAL write position only when the
    // WAL writer wakes (wal_writer_delay, raised here so that it does not wake during the test).
    sql({ ...asSuperuser(), PGDATABASE: "postgres" }, "ALTER SYSTEM SET wal_writer_delay = '10s'", "SELECT pg_reload_conf()");
    try {
      expect(await backUp()).toBe("reused");
      sql(asPod(), "SET synchronous_commit = off", "INSERT INTO posts (body, digest) VALUES ('committed asynchronously', md5('committed asynchronously'))");
      expect(await backUp()).toBe("dumped");
      expect(await inRestoredDatabase("SELECT count(*) FROM posts WHERE body = 'committed asynchronously'")).toBe("1");
    } finally {
      sql({ ...asSuperuser(), PGDATABASE: "postgres" }, "ALTER SYSTEM RESET wal_writer_delay", "SELECT pg_reload_conf()");
    }
  });

  it("has a sequence moved by nextval() alone (no row, no transaction id) in the restored database", async () => {
    // The first nextval() after a checkpoint is written to the WAL and takes a transaction id; the
    // next ones (up to 32) are neither, yet a new dump would hold them.
    sql(asSuperuser(), "CHECKPOINT");
    sql(asPod(), "SELECT nextval('posts_id_seq')");
    expect(await backUp()).toBe("dumped");
    const live = sql(asPod(), "SELECT nextval('posts_id_seq')");
    expect(await backUp()).toBe("dumped");
    expect(await inRestoredDatabase("SELECT last_value FROM posts_id_seq")).toBe(live);
  });
});
