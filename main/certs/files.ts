import { join } from "node:path";
import type { UserErrorInfo } from "../../shared/errors";
import { readJsonFile, readTextIfExists, writeFileSafely } from "../store/files";

/** Where certs keeps its files under `<dataDir>/certs/`; every file is 0600 (keys and all). */
export function certsPaths(dataDir: string) {
  const root = join(dataDir, "certs");
  return {
    caDir: join(root, "ca"),
    local: { cert: join(root, "local", "cert.pem"), key: join(root, "local", "key.pem") },
    acme: { cert: join(root, "acme", "cert.pem"), key: join(root, "acme", "key.pem") },
    accountKey: join(root, "acme", "account-key.pem"),
    account: join(root, "acme", "account.json"),
    acmeState: join(root, "acme", "state.json"),
  };
}

export interface PemPair {
  certPem: string;
  keyPem: string;
}

export async function readPair(paths: { cert: string; key: string }): Promise<PemPair | undefined> {
  const [certPem, keyPem] = await Promise.all([readTextIfExists(paths.cert), readTextIfExists(paths.key)]);
  return certPem && keyPem ? { certPem, keyPem } : undefined;
}

/** A crash between the two writes leaves a mismatched pair; loading rejects it (the key check in createSecureContext) and a new one is issued. */
export async function writePair(paths: { cert: string; key: string }, pair: PemPair): Promise<void> {
  await writeFileSafely(paths.key, pair.keyPem);
  await writeFileSafely(paths.cert, pair.certPem);
}

/** The retry state survives restarts, so a restart loop cannot hammer the CA. */
export interface AcmeRetryState {
  failures: number;
  nextAttempt?: number;
  lastError?: UserErrorInfo & { at: number };
}

export async function readAcmeState(path: string): Promise<AcmeRetryState> {
  const read = await readJsonFile(path);
  return read.state === "ok" ? (read.value as AcmeRetryState) : { failures: 0 };
}

export async function writeJson(path: string, value: unknown): Promise<void> {
  await writeFileSafely(path, JSON.stringify(value));
}

/** The account registered with the current key, for the directory and e-mail it was registered with. */
export interface AcmeAccount {
  directoryUrl: string;
  email: string;
  url: string;
}

export async function readAcmeAccount(path: string): Promise<AcmeAccount | undefined> {
  const read = await readJsonFile(path);
  return read.state === "ok" ? (read.value as AcmeAccount) : undefined;
}
