import { stat } from "node:fs/promises";
import { homedir } from "node:os";
import type { Settings } from "../../shared/settings";
import { isExecutable } from "./executable";
import type { LaunchPlan } from "./launch-plan";
import { planManagedRedis } from "./managed-redis";
import { managedPostgresConnection, planManagedPostgres, postgresEnv, postgresUrl } from "./managed-postgres";
import { checkPortFree } from "./port-check";
import { connectProbe, httpProbe } from "./probes";
import type { ProcessSpec } from "./supervised-process";

/**
 * Any pod software (or `docker compose up`): one process, `PORT` set to pod.port unless the
 * user's env says otherwise; ready when the health URL answers 2xx, else when the port (or the
 * unix socket) accepts a connection.
 */
export async function planCustom(settings: Settings, dataDir: string, env: NodeJS.ProcessEnv): Promise<LaunchPlan> {
  const pod = settings.pod;
  const plan: LaunchPlan = { specs: [], problems: [] };
  if (pod.command.trim() === "") {
    plan.problems.push({ code: "pod-command-unset", field: "pod.command", message: "No pod command is set.", fix: "In Settings > Pod, enter the program that runs your pod (for a container: docker, with arguments compose up)." });
    return plan;
  }
  const cwd = pod.cwd || homedir();
  if (!(await stat(cwd).then((s) => s.isDirectory(), () => false))) {
    plan.problems.push({ code: "pod-cwd-missing", field: "pod.cwd", message: `The pod's working folder ${cwd} does not exist.`, fix: "Choose an existing folder in Settings > Pod (or leave it empty for your home folder)." });
  } else if (!(await isExecutable(pod.command, cwd, env))) {
    plan.problems.push({ code: "pod-command-missing", field: "pod.command", message: `The pod command "${pod.command}" was not found, or is not a program podhost may run.`, fix: "Enter the full path of the program in Settings > Pod, or install it so it is on the PATH." });
  }
  let databaseEnv: NodeJS.ProcessEnv = {};
  if (pod.managedPostgres) {
    const postgres = await planManagedPostgres(dataDir, "custom", env);
    if (postgres.problem) plan.problems.push(postgres.problem);
    if (postgres.spec) plan.specs.push(postgres.spec);
    // libpq's variables and DATABASE_URL: what most pod software reads for its database.
    const connection = managedPostgresConnection(dataDir, "custom");
    const { PGHOST, PGPORT, PGUSER, PGDATABASE } = postgresEnv(connection, {});
    databaseEnv = { PGHOST, PGPORT, PGUSER, PGDATABASE, DATABASE_URL: postgresUrl(connection) };
  }
  if (pod.managedRedis) {
    const redis = await planManagedRedis(dataDir, "redis://127.0.0.1:6379", "pod.managedRedis, which uses Redis's standard port", env);
    if (redis.problem) plan.problems.push(redis.problem);
    if (redis.portProblem) plan.problems.push(redis.portProblem.problem);
    if (redis.spec) plan.specs.push(redis.spec);
  }
  if (pod.socketPath === "") {
    const busy = await checkPortFree(pod.port, "pod.port", "the pod", "pod.port");
    if (busy) {
      plan.problems.push(busy.problem);
      plan.portConflict = busy.conflict;
    }
  }
  const probe = pod.healthUrl
    ? httpProbe(pod.healthUrl, { "X-Forwarded-Proto": "https" })
    : connectProbe(pod.socketPath ? { path: pod.socketPath } : { host: "127.0.0.1", port: pod.port });
  const spec: ProcessSpec = { name: "pod", command: pod.command, args: pod.args, cwd, env: { ...env, PORT: String(pod.port), ...databaseEnv, ...pod.env }, probe };
  plan.specs.push(spec);
  return plan;
}
