import type { Settings } from "../../shared/settings";
import type { CertsDeps } from "./index";
import { certificateNames } from "./names";
import { readPair, type certsPaths } from "./files";
import { servedCertificate, type CertificateStore, type ServedCertificate } from "./source";

/** What the local and the ACME upkeep share: the daemon's deps, the files, the served store, the current settings. */
export interface UpkeepContext {
  env: CertsDeps;
  paths: ReturnType<typeof certsPaths>;
  store: CertificateStore;
  settings(): Settings | undefined;
  now(): number;
  /** The status changed. */
  changed(): void;
  /** Plan the next wake-up again (a renewal time moved). */
  replan(): void;
}

/** The domain and the aliases: the names a public certificate covers. */
export function publicNames(settings: Settings | undefined): string[] {
  return [...new Set([settings?.domain ?? "", ...(settings?.certs.aliases ?? [])])].filter(Boolean);
}

export function keyTypeOf(cert: ServedCertificate): "ecdsa" | "rsa" {
  return cert.x509.publicKey.asymmetricKeyType === "rsa" ? "rsa" : "ecdsa";
}

/** Whether a certificate covers exactly these names. */
export function coversExactly(cert: ServedCertificate, names: string[]): boolean {
  const covered = certificateNames(cert.certPem);
  return covered.length === new Set(names).size && names.every((name) => covered.includes(name));
}

/** A stored pair, or undefined when missing or unreadable (a new one is then issued). */
export async function loadPair(context: UpkeepContext, paths: { cert: string; key: string }): Promise<ServedCertificate | undefined> {
  const pair = await readPair(paths);
  if (!pair) return undefined;
  try {
    return servedCertificate(pair.certPem, pair.keyPem);
  } catch (error) {
    context.env.ctx.log.warn(`Ignoring an unreadable certificate in ${paths.cert}: ${(error as Error).message}`);
    return undefined;
  }
}
