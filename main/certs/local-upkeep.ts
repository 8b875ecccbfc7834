import { X509Certificate } from "node:crypto";
import { writePair } from "./files";
import type { LocalCa } from "./local-ca";
import { lanAddresses } from "./names";
import { renewalTime } from "./schedule";
import { servedCertificate } from "./source";
import { coversExactly, keyTypeOf, loadPair, publicNames, type UpkeepContext } from "./upkeep";

/** podhost's own CA and the certificate it signs for the pod's names, localhost and the LAN addresses. */
export class LocalUpkeep {
  /** Why the local certificate could not be made, until it can. */
  fault?: { message: string; fix: string };
  private ca?: LocalCa;
  private caLoading: Promise<unknown> = Promise.resolve();

  constructor(private readonly context: UpkeepContext) {}

  /** The local certificate in line with the settings (`force`: a new one anyway); a failure becomes the fault. */
  async reconcile(force: boolean): Promise<void> {
    try {
      await this.issueWhenNeeded(force);
      this.fault = undefined;
    } catch (error) {
      this.fault = { message: `The local certificate could not be made: ${(error as Error).message}.`, fix: `Check that ${this.context.paths.caDir} is writable, then run \`podhost certs renew\`.` };
      this.context.env.ctx.log.error(this.fault.message);
    }
  }

  /** When the served local certificate is renewed. */
  renewalTime(): number | undefined {
    const local = this.context.store.localCertificate();
    return local && renewalTime(Date.parse(local.x509.validFrom), Date.parse(local.x509.validTo));
  }

  /** One at a time: two callers at once (a download and the upkeep) must not each create a CA. */
  certificateAuthority(): Promise<LocalCa> {
    const next = this.caLoading.then(() => this.loadCa());
    this.caLoading = next.catch(() => undefined);
    return next;
  }

  private async issueWhenNeeded(force: boolean): Promise<void> {
    const { store, paths, env } = this.context;
    const ca = await this.certificateAuthority();
    const wanted = { dnsNames: this.dnsNames(), ips: (env.lanAddresses ?? lanAddresses)(), keyType: this.context.settings()?.certs.keyType ?? "ecdsa" };
    const current = store.localCertificate() ?? (await loadPair(this.context, paths.local));
    const names = [...wanted.dnsNames, ...wanted.ips];
    const fits =
      current &&
      current.x509.checkIssued(new X509Certificate(ca.certPem)) &&
      coversExactly(current, names) &&
      keyTypeOf(current) === wanted.keyType &&
      this.context.now() < renewalTime(Date.parse(current.x509.validFrom), Date.parse(current.x509.validTo));
    if (fits && !force) {
      if (current !== store.localCertificate()) store.setLocal(current);
      return;
    }
    const { issueServerCertificate } = await import("./local-ca");
    const issued = await issueServerCertificate(ca, { ...wanted, now: this.context.now() });
    await writePair(paths.local, issued);
    store.setLocal(servedCertificate(issued.certPem, issued.keyPem));
    env.ctx.log.info(`Issued a local certificate for ${names.join(", ")}.`);
  }

  private async loadCa(): Promise<LocalCa> {
    const dnsNames = this.dnsNames();
    if (this.ca && dnsNames.every((name) => this.ca!.dnsNames.includes(name))) return this.ca;
    const { loadOrCreateLocalCa } = await import("./local-ca");
    const { ca, created } = await loadOrCreateLocalCa(this.context.paths.caDir, dnsNames, this.context.now());
    if (created) this.context.env.ctx.log.info(`Created podhost's local CA for ${dnsNames.join(", ")}; devices must trust it again (Settings > Certificates).`);
    this.ca = ca;
    return ca;
  }

  private dnsNames(): string[] {
    return [...new Set([...publicNames(this.context.settings()), "localhost"])];
  }
}
