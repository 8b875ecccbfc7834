import { readFile, rename, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "smol-toml";
import { isUserErrorInfo, type UserErrorInfo } from "../../shared/errors";
import type { Settings } from "../../shared/settings";
import { setTomlKeys, tomlLookup, type TomlWrite } from "./diaspora-toml";
import { damagedReason, lockReason, readIdentity } from "./identity";
import { podUrl } from "../../shared/settings";
import type { LaunchPlan } from "./launch-plan";
import { planManagedRedis } from "./managed-redis";
import { managedPostgresConnection, planManagedPostgres, writeDatabaseYml } from "./managed-postgres";
import { checkPortFree } from "./port-check";
import { checkAssets, checkCaBundle, checkCheckout, checkDatabase, checkRedis, checkRuby, defaultCaBundle } from "./prerequisites";
import { httpProbe } from "./probes";

const defaultRedisUrl = "redis://localhost:6379";

/**
 * diaspora*: the two processes of its Procfile, run by podhost so each is supervised on its
 * own: `bin/puma -C config/puma.rb` (web) and `bin/bundle exec sidekiq` (workers), with
 * RAILS_ENV=production in the checkout. config/diaspora.toml is the source of truth for the
 * keys podhost owns (a hand-run `rake` sees the same URL); the environment only repeats them.
 */
export async function planDiaspora(settings: Settings, dataDir: string, env: NodeJS.ProcessEnv, options: { writeConfig: boolean } = { writeConfig: true }): Promise<LaunchPlan> {
  const { dir, port } = settings.pod;
  const plan: LaunchPlan = { specs: [], problems: [] };
  const checkout = await checkCheckout(dir);
  if (checkout) return { ...plan, problems: [checkout] };
  if (settings.domain === "") {
    return { ...plan, problems: [{ code: "domain-unset", field: "domain", message: "The pod has no domain yet: diaspora* needs its public name before the first start.", fix: "Enter the pod's domain (like pod.example.org) in Settings > Domain & DNS." }] };
  }
  const url = podUrl(settings) ?? "";
  const identity = readIdentity(dataDir);
  if (identity.state === "damaged") {
    return { ...plan, problems: [{ code: "identity-damaged", field: "domain", message: damagedReason(identity), fix: "Repair the identity file, or reset the pod identity if this is a new pod." }] };
  }
  if (identity.state === "recorded" && identity.identity.url !== url) {
    const recorded = identity.identity.url;
    return { ...plan, problems: [{ code: "url-locked", field: "domain", message: `The pod was started as ${recorded}; with the current settings it would be ${url}. ${lockReason(recorded)}`, fix: `Set the domain and the external HTTPS port back to match ${recorded}, or reset the pod identity.` }] };
  }
  plan.lockUrl = url;

  const listen = `tcp://127.0.0.1:${port}`;
  const owned = ownedTomlKeys(url, listen);
  let redisUrl = defaultRedisUrl;
  try {
    // A check (before the first start) looks at what the keys would be, and writes nothing.
    const written = await (options.writeConfig ? writeOwnedKeys : previewOwnedKeys)(dir, owned);
    plan.configChanges = written.changes;
    redisUrl = String(tomlLookup(parse(written.text), ["configuration", "environment", "redis"]) ?? env.REDIS_URL ?? defaultRedisUrl);
  } catch (error) {
    if (!isUserErrorInfo(error)) throw error;
    const { code, message, fix, field } = error;
    return { ...plan, problems: [{ code, message, ...(fix ? { fix } : {}), ...(field ? { field } : {}) }] };
  }

  const podEnv: NodeJS.ProcessEnv = {
    ...env,
    RAILS_ENV: "production",
    ENVIRONMENT_URL: url,
    SERVER_LISTEN: listen,
    ENVIRONMENT_CERTIFICATE_AUTHORITIES: defaultCaBundle,
    ENVIRONMENT_REQUIRE_SSL: "true",
  };
  const checks: Array<Promise<UserErrorInfo | undefined>> = [checkRuby(dir, env), checkAssets(dir), checkCaBundle(defaultCaBundle)];
  if (settings.pod.managedPostgres) {
    // Started first, stopped last: the web and workers connect to it through database.yml.
    const postgres = await planManagedPostgres(dataDir, "diaspora", env);
    if (postgres.problem) plan.problems.push(postgres.problem);
    if (postgres.spec) plan.specs.push(postgres.spec);
    if (options.writeConfig && postgres.spec) await writeDatabaseYml(dir, managedPostgresConnection(dataDir, "diaspora"));
  } else {
    checks.push(checkDatabase(dir));
  }
  if (settings.pod.managedRedis) {
    const redis = await planManagedRedis(dataDir, redisUrl, "environment.redis in config/diaspora.toml", env);
    if (redis.problem) plan.problems.push(redis.problem);
    if (redis.portProblem) plan.problems.push(redis.portProblem.problem);
    if (redis.spec) plan.specs.push(redis.spec);
  } else {
    checks.push(checkRedis(redisUrl));
  }
  const busy = await checkPortFree(port, "pod.port", "diaspora*'s web server", "pod.port");
  if (busy) {
    plan.problems.push(busy.problem);
    plan.portConflict = busy.conflict;
  }
  for (const problem of await Promise.all(checks)) if (problem) plan.problems.push(problem);

  plan.specs.push(
    // No health endpoint in diaspora*: nodeinfo is the probe; X-Forwarded-Proto keeps require_ssl from redirecting it.
    { name: "web", command: join(dir, "bin", "puma"), args: ["-C", "config/puma.rb"], cwd: dir, env: podEnv, probe: httpProbe(`http://127.0.0.1:${port}/nodeinfo/2.1`, { "X-Forwarded-Proto": "https" }) },
    { name: "sidekiq", command: join(dir, "bin", "bundle"), args: ["exec", "sidekiq"], cwd: dir, env: podEnv },
  );
  return plan;
}

/** The keys of config/diaspora.toml podhost owns: the installer writes them first, every start again. */
export function ownedTomlKeys(url: string, listen: string): TomlWrite[] {
  return [
    { table: ["configuration", "environment"], key: "url", value: url },
    { table: ["configuration", "environment"], key: "certificate_authorities", value: defaultCaBundle },
    { table: ["configuration", "environment"], key: "require_ssl", value: true },
    { table: ["configuration", "server"], key: "listen", value: listen },
  ];
}

type OwnedKeysResult = { text: string; changes: ReturnType<typeof setTomlKeys>["changes"] };

/** What config/diaspora.toml would hold with podhost's keys (from the example when it is missing). */
async function previewOwnedKeys(dir: string, owned: TomlWrite[]): Promise<OwnedKeysResult & { existing: string | undefined }> {
  const existing = await readFile(join(dir, "config", "diaspora.toml"), "utf8").catch(() => undefined);
  const original = existing ?? (await readFile(join(dir, "config", "diaspora.toml.example"), "utf8").catch(() => ""));
  return { ...setTomlKeys(original, owned), existing };
}

/** Creates config/diaspora.toml from the example when missing; writes only when a key changed, keeping the file's mode. */
export async function writeOwnedKeys(dir: string, owned: TomlWrite[]): Promise<OwnedKeysResult> {
  const file = join(dir, "config", "diaspora.toml");
  const { existing, ...result } = await previewOwnedKeys(dir, owned);
  if (existing === undefined || result.changes.length > 0) {
    const mode = await stat(file).then((s) => s.mode & 0o777, () => 0o640);
    await writeFile(`${file}.podhost-tmp`, result.text, { mode });
    await rename(`${file}.podhost-tmp`, file);
  }
  return result;
}
