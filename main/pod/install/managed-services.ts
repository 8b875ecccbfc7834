import { spawn } from "node:child_process";
import { join } from "node:path";
import { isUserErrorInfo, UserError } from "../../../shared/errors";
import type { Clock } from "../../service";
import { ensureRoleAndDatabase, managedPostgresConnection, postgresEnv, startTemporaryPostgres, writeDatabaseYml } from "../managed-postgres";
import { planManagedRedis } from "../managed-redis";
import { terminateGroup } from "../process-group";
import { output } from "./commands";
import type { InstallServices } from "./services";

/**
 * podhost's own PostgreSQL (pod.managedPostgres: a cluster in the data dir, unix socket only)
 * and Redis (pod.managedRedis), started for the steps that need them and stopped before the pod
 * starts its own.
 */
export function managedServices(dataDir: string, env: NodeJS.ProcessEnv, clock: Clock): InstallServices {
  const connection = managedPostgresConnection(dataDir, "diaspora");
  let postgres: { bin: string; stop(): Promise<void> } | undefined;
  let redisPid: number | undefined;
  const psql = async (args: string[], admin = false) => {
    const server = await start();
    const target = admin ? { ...connection, user: "podhost", database: "postgres" } : connection;
    const answer = await output(join(server.bin, "psql"), ["-v", "ON_ERROR_STOP=1", "-X", "-q", ...args], { env: postgresEnv(target, env), timeoutMs: 600_000 });
    if (!answer.ok) throw new Error(answer.text || "psql failed");
    return answer.text;
  };
  const start = async (): Promise<{ bin: string; stop(): Promise<void> }> => {
    postgres ??= await startTemporaryPostgres(dataDir, "diaspora", env).catch((error: Error & { info?: unknown }) => {
      throw isUserErrorInfo(error.info) ? new UserError(error.info) : error;
    });
    if (redisPid === undefined) {
      const redis = await planManagedRedis(dataDir, "redis://127.0.0.1:6379", "environment.redis in config/diaspora.toml", env);
      if (redis.spec) redisPid = spawn(redis.spec.command, redis.spec.args, { cwd: redis.spec.cwd, env, detached: true, stdio: "ignore" }).pid;
    }
    return postgres;
  };
  return {
    settings: { "pod.managedPostgres": true },
    async start() {
      await start();
    },
    async stop() {
      await postgres?.stop();
      postgres = undefined;
      if (redisPid !== undefined) await terminateGroup(redisPid, 5_000, clock);
      redisPid = undefined;
    },
    async writeDatabaseConfig(dir) {
      await writeDatabaseYml(dir, connection);
    },
    async tableCount() {
      return Number((await psql(["-tAc", "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"])).trim());
    },
    async recreateDatabase() {
      await psql(["-c", `DROP DATABASE IF EXISTS "${connection.database}" WITH (FORCE)`], true);
      const server = await start();
      const made = await ensureRoleAndDatabase(connection, server.bin, env);
      if (!made.ok) throw new Error(made.output);
    },
    async dump(file) {
      const server = await start();
      const answer = await output(join(server.bin, "pg_dump"), ["--format=custom", "--file", file], { env: postgresEnv(connection, env), timeoutMs: 3_600_000 });
      if (!answer.ok) throw new Error(`pg_dump failed: ${answer.text}`);
    },
    async restore(file) {
      await this.recreateDatabase();
      const server = await start();
      const answer = await output(join(server.bin, "pg_restore"), ["--exit-on-error", "--no-owner", "--role", connection.user, "--dbname", connection.database, file], { env: postgresEnv(connection, env), timeoutMs: 3_600_000 });
      if (!answer.ok) throw new Error(`pg_restore failed: ${answer.text}`);
    },
  };
}
