import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, realpath, rename, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { UserErrorInfo } from "../../shared/errors";
import type { PodSettings } from "../../shared/pod";
import type { ProcessSpec } from "./supervised-process";

/**
 * pod.managedPostgres: a PostgreSQL cluster of podhost's own in `<dataDir>/postgres/`. It listens
 * on a unix socket in `<dataDir>/postgres/run` only (listen_addresses = '', no TCP port at all);
 * the socket's folder and the socket are 0700, so only the user podhost runs as can connect, which
 * is why local connections may use `trust` (the pod's role then needs no password in database.yml).
 *
 * For the installer and the backup: `managedPostgresConnection()` gives the connection facts,
 * `planManagedPostgres()` the process the pod's supervisor runs first and stops last (its readiness
 * check also creates the pod's role and database), and `writeDatabaseYml()` points diaspora* at it.
 */
export interface PostgresConnection {
  /** A folder holding `.s.PGSQL.<port>` (libpq's "host" for a unix socket), or a TCP host name. */
  host: string;
  port: number;
  database: string;
  user: string;
  /** Only for a database the user runs (from database.yml); the managed one needs none. */
  password?: string;
}

/** The superuser initdb creates; the pod's own role owns only its database. */
const superuser = "podhost";
const socketPort = 5432;

export function managedPostgresPaths(dataDir: string) {
  const root = join(dataDir, "postgres");
  return { root, data: join(root, "data"), socketDir: join(root, "run") };
}

/** Where the pod's database is: diaspora*'s usual names, or "pod" for a custom pod. */
export function managedPostgresConnection(dataDir: string, profile: PodSettings["profile"]): PostgresConnection {
  const names = profile === "diaspora" ? { database: "diaspora_production", user: "diaspora" } : { database: "pod", user: "pod" };
  return { host: managedPostgresPaths(dataDir).socketDir, port: socketPort, ...names };
}

/** libpq's environment for a connection: psql, pg_dump and pg_restore read it (a password never goes on a command line). */
export function postgresEnv(connection: PostgresConnection, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { PGPASSWORD: _inherited, ...rest } = env;
  return { ...rest, PGHOST: connection.host, PGPORT: String(connection.port), PGUSER: connection.user, PGDATABASE: connection.database, ...(connection.password ? { PGPASSWORD: connection.password } : {}) };
}

/** `postgresql://` URL for software that reads DATABASE_URL (the socket folder goes in the query). */
export function postgresUrl(connection: PostgresConnection): string {
  return `postgresql:///${connection.database}?host=${encodeURIComponent(connection.host)}&port=${connection.port}&user=${connection.user}`;
}

/**
 * The server programs: on the PATH (Homebrew, Postgres.app's, a package that links them), else
 * where Debian/Ubuntu (`/usr/lib/postgresql/<major>/bin`), Homebrew's versioned formulae and the
 * Windows installer put them. An existing cluster needs the major version it was made with.
 */
export async function findPostgresBin(program: string, env: NodeJS.ProcessEnv, major?: string): Promise<string | undefined> {
  const exe = process.platform === "win32" ? `${program}.exe` : program;
  const versioned = async (parent: string, toDir: (entry: string) => string): Promise<string[]> => {
    const entries = await readdir(parent).catch(() => [] as string[]);
    const majors = entries.filter((e) => /\d/.test(e) && (!major || e.replace(/\D+/g, "") === major));
    return majors.sort((a, b) => Number(b.replace(/\D+/g, "")) - Number(a.replace(/\D+/g, ""))).map(toDir);
  };
  const dirs = [
    ...(major ? [] : (env.PATH ?? "").split(process.platform === "win32" ? ";" : ":").filter(Boolean)),
    ...(await versioned("/usr/lib/postgresql", (v) => join("/usr/lib/postgresql", v, "bin"))),
    ...(await versioned("/opt/homebrew/opt", (v) => join("/opt/homebrew/opt", v, "bin"))).filter((d) => d.includes("postgresql")),
    ...(await versioned("/usr/local/opt", (v) => join("/usr/local/opt", v, "bin"))).filter((d) => d.includes("postgresql")),
    ...(await versioned("C:\\Program Files\\PostgreSQL", (v) => join("C:\\Program Files\\PostgreSQL", v, "bin"))),
  ];
  return dirs.map((dir) => join(dir, exe)).find((path) => existsSync(path));
}

const installFix = "Install PostgreSQL's server (Debian/Ubuntu: `sudo apt install postgresql`; macOS: `brew install postgresql@15`), or turn off Settings > Pod > Managed PostgreSQL and point config/database.yml at a database you run.";

/** initdb and postgres refuse to run as root; saying so up front beats their one-line refusal in a log. */
export function rootProblem(): UserErrorInfo | undefined {
  if (process.getuid?.() !== 0) return undefined;
  return {
    code: "managed-postgres-root",
    field: "pod.managedPostgres",
    message: "podhost runs as root, and PostgreSQL refuses to run as root (a database server holding a superuser's rights is one bug away from owning the machine).",
    fix: "Run podhost as your own user (to bind ports 80/443 without root: `sudo setcap cap_net_bind_service=+ep $(which node)`, or keep 8443/8080), or turn off Settings > Pod > Managed PostgreSQL and use a PostgreSQL you run.",
  };
}

/** The cluster's programs, matched to its major version once it exists. */
async function programs(dataDir: string, env: NodeJS.ProcessEnv): Promise<{ initdb: string; postgres: string; bin: string } | UserErrorInfo> {
  const versionFile = join(managedPostgresPaths(dataDir).data, "PG_VERSION");
  const major = (await readFile(versionFile, "utf8").catch(() => "")).trim() || undefined;
  const postgres = await findPostgresBin("postgres", env, major);
  const initdb = await findPostgresBin("initdb", env, major);
  if (!postgres || !initdb) {
    const what = major ? `PostgreSQL ${major}'s server (the version the pod's database was made with)` : "PostgreSQL's server programs (initdb, postgres)";
    return { code: "postgres-missing", field: "pod.managedPostgres", message: `${what} are not installed on this computer.`, fix: installFix };
  }
  // A link on the PATH (Debian's /usr/local/bin, Homebrew's) stands for the version's own folder, where psql and pg_isready are too.
  const bin = dirname(await realpath(postgres));
  return { initdb: join(bin, basename(initdb)), postgres: join(bin, basename(postgres)), bin };
}

/** The folder of the managed cluster's programs (pg_dump, pg_restore, psql of the same version), if installed. */
export async function managedPostgresBin(dataDir: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const found = await programs(dataDir, env);
  return "code" in found ? undefined : found.bin;
}

/** initdb on first use: UTF-8, no locale dependence, local `trust` behind the 0700 socket folder. */
async function ensureCluster(dataDir: string, initdb: string, env: NodeJS.ProcessEnv): Promise<UserErrorInfo | undefined> {
  const { root, data, socketDir } = managedPostgresPaths(dataDir);
  await mkdir(root, { recursive: true, mode: 0o700 });
  await mkdir(socketDir, { recursive: true, mode: 0o700 });
  if (existsSync(join(data, "PG_VERSION"))) return undefined;
  const result = await run(initdb, ["-D", data, "--username", superuser, "--auth", "trust", "--encoding", "UTF8", "--no-locale"], env);
  if (result.ok) return undefined;
  return { code: "postgres-initdb-failed", field: "pod.managedPostgres", message: `PostgreSQL could not create the pod's database cluster in ${data}: ${lastLine(result.output)}`, fix: "Check that the folder is on a disk with free space that your user may write to, then start again." };
}

/** The server's command line: every setting that keeps it off the network is given here, not trusted to postgresql.conf. */
function serverArgs(dataDir: string): string[] {
  const { data, socketDir } = managedPostgresPaths(dataDir);
  return ["-D", data, "-p", String(socketPort), "-c", "listen_addresses=", "-c", `unix_socket_directories=${socketDir}`, "-c", "unix_socket_permissions=0700"];
}

/**
 * The pod's PostgreSQL as the first process of its plan. The readiness check passes once the
 * server accepts connections and the pod's role and database exist (created on the first pass).
 */
export async function planManagedPostgres(dataDir: string, profile: PodSettings["profile"], env: NodeJS.ProcessEnv): Promise<{ spec?: ProcessSpec; problem?: UserErrorInfo }> {
  const root = rootProblem();
  if (root) return { problem: root };
  const found = await programs(dataDir, env);
  if ("code" in found) return { problem: found };
  const problem = await ensureCluster(dataDir, found.initdb, env);
  if (problem) return { problem };
  const connection = managedPostgresConnection(dataDir, profile);
  let ensured = false;
  const probe = async () => {
    if (!(await run(join(found.bin, "pg_isready"), ["-q"], postgresEnv({ ...connection, user: superuser, database: "postgres" }, env))).ok) return false;
    if (!ensured) ensured = (await ensureRoleAndDatabase(connection, found.bin, env)).ok;
    return ensured;
  };
  return { spec: { name: "postgres", command: found.postgres, args: serverArgs(dataDir), cwd: managedPostgresPaths(dataDir).root, env, probe } };
}

/** "Ensure role and database": idempotent, as the cluster's superuser over the socket. */
export async function ensureRoleAndDatabase(connection: PostgresConnection, bin: string, env: NodeJS.ProcessEnv): Promise<{ ok: boolean; output: string }> {
  const admin = postgresEnv({ ...connection, user: superuser, database: "postgres" }, env);
  const psql = join(bin, "psql");
  // The names are podhost's constants (never user input), so they can stand in the SQL as identifiers.
  const role = await run(psql, ["-v", "ON_ERROR_STOP=1", "-tAc", `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${connection.user}') THEN CREATE ROLE "${connection.user}" LOGIN CREATEDB; END IF; END $$`], admin);
  if (!role.ok) return role;
  const exists = await run(psql, ["-tAc", `SELECT 1 FROM pg_database WHERE datname = '${connection.database}'`], admin);
  if (!exists.ok || exists.output.trim() === "1") return exists;
  return run(psql, ["-v", "ON_ERROR_STOP=1", "-c", `CREATE DATABASE "${connection.database}" OWNER "${connection.user}" ENCODING 'UTF8'`], admin);
}

/**
 * The managed server outside the pod's supervisor, for a backup or restore while the pod is
 * stopped (`stop()` is a fast shutdown). The caller keeps the pod from starting meanwhile.
 */
export async function startTemporaryPostgres(dataDir: string, profile: PodSettings["profile"], env: NodeJS.ProcessEnv): Promise<{ bin: string; stop(): Promise<void> }> {
  const planned = await planManagedPostgres(dataDir, profile, env);
  if (!planned.spec) throw Object.assign(new Error(planned.problem?.message ?? "PostgreSQL cannot start."), { info: planned.problem });
  const { spec } = planned;
  const child = spawn(spec.command, spec.args, { cwd: spec.cwd, env: spec.env, stdio: ["ignore", "ignore", "pipe"] });
  let output = "";
  child.stderr.on("data", (chunk: Buffer) => (output = (output + chunk.toString("utf8")).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT");
    await exited;
  };
  for (let waited = 0; !(await spec.probe!()); waited += 100) {
    if (child.exitCode !== null || waited > 60_000) {
      await stop();
      throw new Error(`PostgreSQL did not start: ${lastLine(output)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { bin: dirname(spec.command), stop };
}

/**
 * diaspora*'s config/database.yml pointed at the managed cluster. A file podhost did not write is
 * kept once as database.yml.before-podhost, so turning the option off can go back to it.
 */
export async function writeDatabaseYml(podDir: string, connection: PostgresConnection): Promise<boolean> {
  const file = join(podDir, "config", "database.yml");
  const text = [
    "# Written by podhost (Settings > Pod > Managed PostgreSQL): the pod's database runs in podhost's data dir",
    "# and is reached over its unix socket only. Turn the setting off to use your own database here.",
    "production:",
    "  adapter: postgresql",
    `  host: "${connection.host}"`,
    `  port: ${connection.port}`,
    `  database: ${connection.database}`,
    `  username: ${connection.user}`,
    "  encoding: unicode",
    "",
  ].join("\n");
  const existing = await readFile(file, "utf8").catch(() => undefined);
  if (existing === text) return false;
  if (existing !== undefined && !existing.startsWith("# Written by podhost") && !existsSync(`${file}.before-podhost`)) await rename(file, `${file}.before-podhost`);
  await writeFile(`${file}.podhost-tmp`, text, { mode: 0o640 });
  await rename(`${file}.podhost-tmp`, file);
  return true;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => execFile(command, args, { env, timeout: 60_000 }, (error, stdout, stderr) => resolve({ ok: !error, output: `${stdout}${stderr}` || (error?.message ?? "") })));
}

function lastLine(text: string): string {
  return text.trim().split("\n").filter(Boolean).pop() ?? "no output";
}
