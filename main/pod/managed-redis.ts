import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { UserErrorInfo } from "../../shared/errors";
import { checkPortFree, type PortProblem } from "./port-check";
import { redactSecrets } from "./redact";
import { parseRedisUrl, redisPing } from "./redis-ping";
import type { ProcessSpec } from "./supervised-process";

const localHosts = new Set(["localhost", "127.0.0.1", "::1"]);

/**
 * pod.managedRedis: a redis-server of podhost's own, bound to 127.0.0.1 on the port the pod
 * expects (from its Redis URL), data in `<dataDir>/redis`. Nothing is started when a Redis
 * already answers there.
 */
export async function planManagedRedis(dataDir: string, redisUrl: string, urlSetting: string, env: NodeJS.ProcessEnv): Promise<{ spec?: ProcessSpec; problem?: UserErrorInfo; portProblem?: PortProblem }> {
  const target = parseRedisUrl(redisUrl);
  if (!target || target.path || !localHosts.has(target.host)) {
    return { problem: { code: "managed-redis-remote", field: "pod.managedRedis", message: `Managed Redis runs on this computer, but the pod is set to use Redis at ${redactSecrets(redisUrl)}.`, fix: "Turn off Settings > Pod > Managed Redis, or point environment.redis in config/diaspora.toml at redis://127.0.0.1:6379." } };
  }
  if ((await redisPing(target, 500)).ok) return {};
  const portProblem = await checkPortFree(target.port, urlSetting, "managed Redis");
  if (portProblem) return { portProblem };
  const dir = join(dataDir, "redis");
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const args = ["--bind", "127.0.0.1", "--port", String(target.port), "--dir", dir, "--daemonize", "no", "--protected-mode", "yes", "--save", "300 1"];
  if (target.password) args.push("--requirepass", target.password);
  return { spec: { name: "redis", command: "redis-server", args, cwd: dir, env, probe: async () => (await redisPing(target, 500)).ok } };
}
