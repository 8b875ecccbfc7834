import { execFileSync } from "node:child_process";
import { mkdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { managedPostgresConnection, postgresEnv } from "../../main/pod/managed-postgres";
import type { InstallStatus } from "../../shared/install";
import type { StatusSnapshot } from "../../shared/status";
import { makeDiasporaRepository, makeRubyStandIn, type DiasporaRepository } from "../fixtures/diaspora-release/repository";
import { configure } from "../helpers/managed-pod";
import { podhost, servePodhost, type CliResult, type ServedPodhost } from "../helpers/podhost";
import { freePort } from "../helpers/ports";
import { waitFor } from "../helpers/temp";
import { giveTo, ownedTempDir, testUser } from "../helpers/unprivileged";

export interface InstallWorld {
  root: string;
  dataDir: string;
  checkout: string;
  repository: DiasporaRepository;
  faults: string;
  ruby: { setVersion(version: string): Promise<void> };
  settings: Record<string, unknown>;
  served: ServedPodhost;
  cli(...args: string[]): Promise<CliResult>;
  /** `podhost status --json` (this daemon always reports the installer). */
  status(): Promise<StatusSnapshot & { install: InstallStatus }>;
  /** Wait until the install/upgrade job ends (done, failed or cancelled). */
  settled(): Promise<InstallStatus>;
  /** psql as the pod's role in podhost's PostgreSQL (running while the pod or an install step needs it). */
  sql(query: string): string;
  cleanup(): Promise<void>;
}

/**
 * A machine to install diaspora* on: the fixture repository (a local path; git gets no other),
 * a PATH narrowed to this machine's system folders plus stand-in `ruby`/`bundle`, and `podhost
 * serve` as the unprivileged test user (PostgreSQL refuses root) with free ports.
 */
export async function installWorld(options: { withBrokenRelease?: boolean; rubyVersion?: string; beforeServe?: (world: { dataDir: string }) => Promise<void> } = {}): Promise<InstallWorld> {
  const user = testUser();
  const tmp = await ownedTempDir(user, "podhost-install-");
  const root = tmp.path;
  const dataDir = join(root, "data");
  const faults = join(root, "faults");
  await mkdir(dataDir, { recursive: true });
  await mkdir(faults, { recursive: true });
  const repository = await makeDiasporaRepository(join(root, "fixture"), { withBrokenRelease: options.withBrokenRelease ?? false });
  const ruby = await makeRubyStandIn(join(root, "fake-bin"), options.rubyVersion ?? "3.3.6");
  const proxyPort = await freePort();
  const settings = {
    domain: "pod.example.test",
    "pod.port": await freePort(),
    "pod.stopTimeoutMs": 5_000,
    "proxy.httpsPort": proxyPort,
    "proxy.httpPort": await freePort(),
    "ports.externalHttpsPort": proxyPort,
    "pod.install.repository": repository.path,
  };
  await configure(dataDir, settings);
  await options.beforeServe?.({ dataDir });
  giveTo(user, root);
  const env = {
    HOME: root,
    // This machine's own programs (git, cc, node, psql, ImageMagick...) and the Ruby stand-ins; not /usr/local/bin.
    PATH: [join(root, "fake-bin"), dirname(process.execPath), "/usr/bin", "/bin"].join(":"),
    DIASPORA_STAND_IN_FAULTS: faults,
    // git may use local paths only: nothing in these tests reaches a network.
    GIT_ALLOW_PROTOCOL: "file",
  };
  const served = await servePodhost(dataDir, env, user);
  const cli = (...args: string[]) => podhost(dataDir, args);
  const status = async () => JSON.parse((await cli("status", "--json")).stdout) as StatusSnapshot & { install: InstallStatus };
  return {
    root,
    dataDir,
    checkout: join(dataDir, "diaspora"),
    repository,
    faults,
    ruby,
    settings,
    served,
    cli,
    status,
    settled: () => waitFor("the installer to finish", async () => {
      const install = (await status()).install;
      return install.job && ["done", "failed", "cancelled"].includes(install.state) && install;
    }, 120_000, 100),
    sql: (query) => execFileSync("psql", ["-X", "-qtA", "-v", "ON_ERROR_STOP=1", "-c", query], { env: postgresEnv(managedPostgresConnection(dataDir, "diaspora"), process.env), encoding: "utf8" }).trim(),
    cleanup: async () => {
      await served.stop();
      await tmp.cleanup();
    },
  };
}

/** The step log podhost kept for a step. */
export function stepLog(world: InstallWorld, kind: "install" | "upgrade", step: string): Promise<string> {
  return readFile(join(world.dataDir, "install", "logs", `${kind}-${step}.log`), "utf8");
}
