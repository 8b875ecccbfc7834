import { execFile } from "node:child_process";
import { access, readFile, stat } from "node:fs/promises";
import { constants } from "node:fs";
import { join } from "node:path";
import { load, YAML11_SCHEMA } from "js-yaml";
import { isUserErrorInfo, type UserErrorInfo } from "../../shared/errors";
import { connectProbe } from "./probes";
import { redactSecrets } from "./redact";
import { parseRedisUrl, redisPing } from "./redis-ping";

export const defaultCaBundle = "/etc/ssl/certs/ca-certificates.crt";

/** diaspora* runs in `dir` only if it is a checkout: a Gemfile and a config/ folder. */
export async function checkCheckout(dir: string): Promise<UserErrorInfo | undefined> {
  if (dir === "") return { code: "pod-dir-unset", field: "pod.dir", message: "No diaspora* folder is chosen.", fix: "In Settings > Pod, choose the folder you cloned diaspora* into." };
  if (!(await isDir(dir))) return { code: "pod-dir-missing", field: "pod.dir", message: `The diaspora* folder ${dir} does not exist.`, fix: "Choose the folder you cloned diaspora* into (git clone https://github.com/diaspora/diaspora.git)." };
  const missing = [(await exists(join(dir, "Gemfile"))) ? "" : "Gemfile", (await isDir(join(dir, "config"))) ? "" : "config/"].filter(Boolean);
  if (missing.length > 0) {
    return { code: "pod-dir-not-diaspora", field: "pod.dir", message: `${dir} does not look like a diaspora* checkout: it has no ${missing.join(" and no ")}.`, fix: "Choose the top folder of your diaspora* checkout (the one holding Gemfile, config/ and bin/)." };
  }
  return undefined;
}

/** Ruby and Bundler, run the way the pod will run them (same PATH, inside the checkout for .ruby-version). */
export async function checkRuby(dir: string, env: NodeJS.ProcessEnv): Promise<UserErrorInfo | undefined> {
  if (!(await runs("ruby", ["--version"], dir, env))) {
    return { code: "ruby-missing", message: "Ruby is not installed, or not on the PATH podhost runs with.", fix: "Install the Ruby version diaspora* asks for (see its installation guide; rbenv or RVM work), make sure `ruby --version` works in the diaspora* folder, then start again." };
  }
  if (!(await runs("bundle", ["--version"], dir, env))) {
    return { code: "bundler-missing", message: "Bundler (the `bundle` command) is not installed.", fix: `Run \`gem install bundler\`, then \`bin/bundle install\` in ${dir}, then start again.` };
  }
  return undefined;
}

export async function checkRedis(redisUrl: string): Promise<UserErrorInfo | undefined> {
  const target = parseRedisUrl(redisUrl);
  if (!target) return { code: "redis-url-invalid", message: `The Redis address "${redactSecrets(redisUrl)}" in config/diaspora.toml is not a redis:// or unix:// URL.`, fix: `Fix environment.redis in config/diaspora.toml (like "redis://localhost:6379"), or remove it to use the default.` };
  const where = target.path ?? `${target.host}:${target.port}`;
  const answer = await redisPing(target);
  if (answer.ok) return undefined;
  return {
    code: "redis-unreachable",
    message: `Redis does not answer at ${where}: ${answer.reason}. diaspora* cannot run without Redis.`,
    fix: "Start Redis (on Debian/Ubuntu: `sudo apt install redis-server`), or turn on Settings > Pod > Managed Redis to let podhost run one, or fix environment.redis in config/diaspora.toml.",
  };
}

/** The production section of config/database.yml, or the problem that keeps it from being read. */
export async function readProductionDatabase(dir: string): Promise<Record<string, unknown> | UserErrorInfo> {
  const file = join(dir, "config", "database.yml");
  try {
    const parsed = load(await readFile(file, "utf8"), { schema: YAML11_SCHEMA }) as Record<string, unknown> | undefined;
    const production = parsed?.production as Record<string, unknown> | undefined;
    if (!production) return { code: "database-config-invalid", message: "config/database.yml has no production section.", fix: "Add a production section (see config/database.yml.example)." };
    return production;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      return { code: "database-config-missing", message: "config/database.yml is missing, so diaspora* does not know its database.", fix: `In ${dir}, copy config/database.yml.example to config/database.yml and enter your database user and password.` };
    }
    return { code: "database-config-invalid", message: `config/database.yml cannot be read: ${(error as Error).message.split("\n")[0]}`, fix: "Fix config/database.yml (compare it with config/database.yml.example)." };
  }
}

/** The production database from config/database.yml accepts a connection (TCP, or the unix socket libpq/mysql use). */
export async function checkDatabase(dir: string): Promise<UserErrorInfo | undefined> {
  const production = await readProductionDatabase(dir);
  if (isUserErrorInfo(production)) return production;
  const mysql = String(production.adapter ?? "postgresql").startsWith("mysql");
  const port = Number(production.port ?? (mysql ? 3306 : 5432));
  const host = typeof production.host === "string" ? production.host : undefined;
  const socket = typeof production.socket === "string" ? production.socket : undefined;
  const target = socket
    ? { path: socket }
    : host === undefined || host.startsWith("/")
      ? { path: mysql ? "/var/run/mysqld/mysqld.sock" : join(host ?? "/var/run/postgresql", `.s.PGSQL.${port}`) }
      : { host, port };
  if (await connectProbe(target)()) return undefined;
  const where = "path" in target ? target.path : `${target.host}:${target.port}`;
  const product = mysql ? "MySQL/MariaDB" : "PostgreSQL";
  return {
    code: "database-unreachable",
    message: `The database (${product} at ${where}, from config/database.yml) does not accept connections.`,
    fix: `Start ${product} (on Debian/Ubuntu: \`sudo systemctl start ${mysql ? "mariadb" : "postgresql"}\`), or fix host and port under production in config/database.yml; then run \`RAILS_ENV=production bin/rake db:create db:migrate\` once if the database is new.`,
  };
}

export async function checkAssets(dir: string): Promise<UserErrorInfo | undefined> {
  if (await isDir(join(dir, "public", "assets"))) return undefined;
  return { code: "assets-missing", message: "The pod's stylesheets and scripts are not built yet (public/assets is missing).", fix: `In ${dir}, run \`RAILS_ENV=production bin/rake assets:precompile\`, then start again.` };
}

export async function checkCaBundle(path: string): Promise<UserErrorInfo | undefined> {
  try {
    await access(path, constants.R_OK);
    return undefined;
  } catch {
    return { code: "ca-bundle-missing", message: `The certificate bundle ${path} is missing; diaspora* refuses to start in production without one.`, fix: "Install your system's CA certificates (Debian/Ubuntu: `sudo apt install ca-certificates`)." };
  }
}

function runs(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  return new Promise((resolve) => execFile(command, args, { cwd, env, timeout: 20_000 }, (error) => resolve(!error)));
}

async function isDir(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isDirectory(), () => false);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}
