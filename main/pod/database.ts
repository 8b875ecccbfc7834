import { dirname } from "node:path";
import { isUserErrorInfo, UserError } from "../../shared/errors";
import type { Settings } from "../../shared/settings";
import { findPostgresBin, managedPostgresBin, managedPostgresConnection, startTemporaryPostgres, type PostgresConnection } from "./managed-postgres";

/** The pod's database opened for a dump or a restore: where it is, the client programs, and when it may close again. */
export interface PodDatabase {
  connection: PostgresConnection;
  /** The folder of pg_dump, pg_restore and psql matching the server. */
  bin: string;
  /** "managed": podhost's own cluster (a restore may recreate it); "external": the one in database.yml. */
  kind: "managed" | "external";
  release(): Promise<void>;
}

/**
 * The pod's PostgreSQL for a backup or restore. The managed one is used as it runs with the pod,
 * or started on its own for the length of the job; a user's own database is read from
 * config/database.yml. Undefined when the pod keeps no database podhost knows of (a custom pod
 * without the managed one: its dump command covers it).
 */
export async function openPodDatabase(settings: Settings, dataDir: string, env: NodeJS.ProcessEnv, runningWithPod: boolean): Promise<PodDatabase | undefined> {
  const { pod } = settings;
  if (pod.managedPostgres) {
    const connection = managedPostgresConnection(dataDir, pod.profile);
    if (runningWithPod) {
      const bin = await managedPostgresBin(dataDir, env);
      if (!bin) throw clientMissing();
      return { connection, bin, kind: "managed", release: async () => {} };
    }
    const server = await startTemporaryPostgres(dataDir, pod.profile, env).catch((error: Error & { info?: unknown }) => {
      throw isUserErrorInfo(error.info) ? new UserError(error.info) : error;
    });
    return { connection, bin: server.bin, kind: "managed", release: server.stop };
  }
  if (pod.profile !== "diaspora" || pod.dir === "") return undefined;
  const { readProductionDatabase } = await import("./prerequisites");
  const production = await readProductionDatabase(pod.dir);
  if (isUserErrorInfo(production)) throw new UserError(production);
  const adapter = String(production.adapter ?? "postgresql");
  if (!adapter.startsWith("postgres")) {
    throw new UserError({ code: "database-not-postgres", message: `The pod's database is ${adapter} (config/database.yml); podhost backs up PostgreSQL only.`, fix: "Turn on Settings > Pod > Managed PostgreSQL for a database podhost runs and backs up, or back up your database with its own tools." });
  }
  const bin = await findPostgresBin("pg_dump", env);
  if (!bin) throw clientMissing();
  const text = (key: string) => (production[key] === undefined || production[key] === null ? undefined : String(production[key]));
  const connection: PostgresConnection = {
    host: text("host") ?? "/var/run/postgresql",
    port: Number(production.port ?? 5432),
    database: text("database") ?? "diaspora_production",
    user: text("username") ?? "diaspora",
    ...(text("password") ? { password: text("password")! } : {}),
  };
  return { connection, bin: dirname(bin), kind: "external", release: async () => {} };
}

function clientMissing(): UserError {
  return new UserError({ code: "pg-dump-missing", message: "pg_dump (PostgreSQL's client programs) is not installed, so the pod's database cannot be backed up.", fix: "Install PostgreSQL's client (Debian/Ubuntu: `sudo apt install postgresql-client`; macOS: `brew install libpq`), then back up again." });
}
