/** What the install steps need from the pod's database and Redis, outside the pod's own supervisor. */
export interface InstallServices {
  /** The settings that make the pod use them once installed. */
  readonly settings: Record<string, unknown>;
  /** Start podhost's PostgreSQL (with the pod's role and database) and Redis for the steps; idempotent. */
  start(): Promise<void>;
  /** Stop what start() started (Start pod runs them as the pod's own processes). */
  stop(): Promise<void>;
  /** config/database.yml for podhost's PostgreSQL. */
  writeDatabaseConfig(dir: string): Promise<void>;
  /** Tables in the pod's database (0: a fresh one, e.g. before the first migration). */
  tableCount(): Promise<number>;
  /** Drop the pod's database and create it empty again. */
  recreateDatabase(): Promise<void>;
  dump(file: string): Promise<void>;
  restore(file: string): Promise<void>;
}
