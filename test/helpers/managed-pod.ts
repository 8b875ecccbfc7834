import { fileURLToPath } from "node:url";
import { podhost, servePodhost, type ServedPodhost } from "./podhost";
import { freePort } from "./ports";
import { giveTo, ownedTempDir, testUser, type TestUser } from "./unprivileged";

const standIn = fileURLToPath(new URL("../fixtures/stand-in-pod/server.mjs", import.meta.url));

/** The settings of a custom pod (the stand-in, posts in the managed PostgreSQL) on free ports. */
export async function managedPodSettings(extraArgs: string[] = []): Promise<Record<string, unknown>> {
  return {
    domain: "pod.example.test",
    "pod.profile": "custom",
    "pod.command": "/bin/sh",
    "pod.args": ["-c", `exec "${process.execPath}" "${standIn}" --posts --port "$PORT" ${extraArgs.join(" ")}`],
    "pod.port": await freePort(),
    "pod.managedPostgres": true,
    "proxy.httpsPort": await freePort(),
    "proxy.httpPort": await freePort(),
  };
}

/** `podhost config set` for each key, offline (before the daemon runs). */
export async function configure(dataDir: string, settings: Record<string, unknown>): Promise<void> {
  for (const [key, value] of Object.entries(settings)) {
    const result = await podhost(dataDir, ["config", "set", key, typeof value === "string" ? value : JSON.stringify(value)]);
    if (result.code !== 0) throw new Error(`config set ${key} failed: ${result.stderr}`);
  }
}

export interface ManagedPod {
  user: TestUser;
  dataDir: string;
  served: ServedPodhost;
  /** The pod's own port (the stand-in's HTTP). */
  podPort: number;
  cleanup(): Promise<void>;
}

/**
 * `podhost serve` as the unprivileged test user (PostgreSQL refuses root) on a data dir it owns,
 * configured with `settings` first. `dataDir` reuses a folder (a restore's "new computer").
 */
export async function serveManagedPod(settings: Record<string, unknown>, dataDir?: string, env: NodeJS.ProcessEnv = {}): Promise<ManagedPod> {
  const user = testUser();
  const dir = dataDir ? { path: dataDir, cleanup: async () => {} } : await ownedTempDir(user);
  await configure(dir.path, settings);
  giveTo(user, dir.path);
  const served = await servePodhost(dir.path, { HOME: dir.path, ...env }, user);
  return {
    user,
    dataDir: dir.path,
    served,
    podPort: Number(settings["pod.port"]),
    cleanup: async () => {
      await served.stop();
      await dir.cleanup();
    },
  };
}

/** The posts the stand-in pod reads from its database. */
export async function readPosts(podPort: number): Promise<Array<{ id: number; body: string; digest: string }>> {
  const response = await fetch(`http://127.0.0.1:${podPort}/posts`);
  if (!response.ok) throw new Error(`GET /posts: ${response.status} ${await response.text()}`);
  return (await response.json()) as Array<{ id: number; body: string; digest: string }>;
}

export async function addPost(podPort: number, body: string): Promise<void> {
  const response = await fetch(`http://127.0.0.1:${podPort}/posts`, { method: "POST", body });
  if (!response.ok) throw new Error(`POST /posts: ${response.status} ${await response.text()}`);
}
