import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { load } from "js-yaml";
import { managedPostgresConnection, managedPostgresPaths, planManagedPostgres, postgresEnv, writeDatabaseYml } from "../../main/pod/managed-postgres";
import type { StatusSnapshot } from "../../shared/status";
import { addPost, managedPodSettings, readPosts, serveManagedPod, type ManagedPod } from "../helpers/managed-pod";
import { podhost } from "../helpers/podhost";
import { tempDir, waitFor } from "../helpers/temp";
import { requireTool } from "../helpers/tools";
import { running } from "./helpers";

requireTool("initdb", ["/usr/lib/postgresql/15/bin/initdb"]);

describe("pod.managedPostgres", () => {
  let pod: ManagedPod;
  let snapshot: StatusSnapshot;

  beforeAll(async () => {
    pod = await serveManagedPod(await managedPodSettings());
    const started = await podhost(pod.dataDir, ["start"]);
    expect(started.code, started.stdout + started.stderr).toBe(0);
    snapshot = await waitFor("the pod to run", async () => {
      const status = JSON.parse((await podhost(pod.dataDir, ["status", "--json"])).stdout) as StatusSnapshot;
      return status.pod.state === "running" && status;
    }, 60_000);
  });
  afterAll(async () => pod?.cleanup());

  it("starts PostgreSQL before the pod, and the pod keeps its posts in it", async () => {
    expect(snapshot.pod.processes.map((p) => p.name)).toEqual(["postgres", "pod"]);
    await addPost(pod.podPort, "hello from the managed database");
    expect((await readPosts(pod.podPort)).map((p) => p.body)).toContain("hello from the managed database");
  });

  it("listens on a 0700 unix socket in the data dir only, with no TCP port", async () => {
    const connection = managedPostgresConnection(pod.dataDir, "custom");
    const env = postgresEnv({ ...connection, user: "podhost", database: "postgres" }, process.env);
    const show = (setting: string) => execFileSync("psql", ["-tAXc", `SHOW ${setting}`], { env, encoding: "utf8" }).trim();
    expect(show("listen_addresses")).toBe("");
    expect(show("unix_socket_directories")).toBe(managedPostgresPaths(pod.dataDir).socketDir);
    expect((await stat(managedPostgresPaths(pod.dataDir).socketDir)).mode & 0o777).toBe(0o700);
    const postgresPid = snapshot.pod.processes.find((p) => p.name === "postgres")!.pid!;
    const listening = execFileSync("ss", ["-ltnpH"], { encoding: "utf8" });
    expect(listening).not.toContain(`pid=${postgresPid},`);
    // The pod's own role owns the pod's database.
    const owner = execFileSync("psql", ["-tAXc", "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()"], { env: postgresEnv(connection, process.env), encoding: "utf8" }).trim();
    expect(owner).toBe("pod");
  });

  it("stops PostgreSQL after the pod", async () => {
    const postgresPid = snapshot.pod.processes.find((p) => p.name === "postgres")!.pid!;
    const stopped = await podhost(pod.dataDir, ["stop"]);
    expect(stopped.code, stopped.stderr).toBe(0);
    await waitFor("postgres to exit", () => !running(postgresPid));
    const log = await readFile(join(pod.dataDir, "logs", "pod-postgres.log"), "utf8");
    expect(log).toMatch(/database system is shut down/);
  });
});

describe("the managed PostgreSQL's guard rails", () => {
  it("refuses to run as root, and says how to fix it", async () => {
    const dir = await tempDir();
    const planned = await planManagedPostgres(dir.path, "diaspora", process.env);
    expect(planned.spec).toBeUndefined();
    expect(planned.problem).toMatchObject({ code: "managed-postgres-root", field: "pod.managedPostgres" });
    expect(planned.problem!.fix).toMatch(/Run podhost as your own user/);
    await dir.cleanup();
  });

  it("points diaspora*'s database.yml at the socket, keeping the user's own file aside", async () => {
    const dir = await tempDir();
    await mkdir(join(dir.path, "config"));
    const own = "production:\n  adapter: postgresql\n  host: db.example\n  username: me\n  password: secret\n";
    await writeFile(join(dir.path, "config", "database.yml"), own);
    const connection = managedPostgresConnection("/data/podhost", "diaspora");
    expect(await writeDatabaseYml(dir.path, connection)).toBe(true);
    const written = load(await readFile(join(dir.path, "config", "database.yml"), "utf8")) as { production: Record<string, unknown> };
    expect(written.production).toMatchObject({ adapter: "postgresql", host: "/data/podhost/postgres/run", port: 5432, database: "diaspora_production", username: "diaspora" });
    expect(await readFile(join(dir.path, "config", "database.yml.before-podhost"), "utf8")).toBe(own);
    expect(await writeDatabaseYml(dir.path, connection)).toBe(false);
    await dir.cleanup();
  });
});
