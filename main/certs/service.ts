import { X509Certificate } from "node:crypto";
import type { CertificateInfo, CertsStatus } from "../../shared/certs";
import type { Settings } from "../../shared/settings";
import type { CertificateSource } from "../contracts";
import { ChangeEmitter, type Service } from "../service";
import { AcmeUpkeep } from "./acme-upkeep";
import { certsPaths } from "./files";
import type { CertsDeps } from "./index";
import { LocalUpkeep } from "./local-upkeep";
import { certificateNames } from "./names";
import { day, timerDelay } from "./schedule";
import { CertificateStore, type ServedCertificate } from "./source";
import { describeCerts } from "./status";
import { keyTypeOf, type UpkeepContext } from "./upkeep";
// The X.509 builder, ACME client and their HTTP stack load on first use (dynamic imports in the
// upkeep classes), so the daemon starts without them.

/**
 * Keeps a certificate served at all times: the local CA's at once (LocalUpkeep), the public one
 * when ACME is on (AcmeUpkeep). This class holds the settings, one timer for both, and the status.
 */
export class CertsService implements Service<CertsStatus> {
  private readonly store = new CertificateStore();
  private readonly events = new ChangeEmitter();
  private readonly local: LocalUpkeep;
  private readonly acme: AcmeUpkeep;
  private settings?: Settings;
  private running = false;
  private timer?: { cancel(): void };
  private reconciling = Promise.resolve();

  constructor(private readonly env: CertsDeps) {
    const context: UpkeepContext = {
      env,
      paths: certsPaths(env.ctx.dataDir),
      store: this.store,
      settings: () => this.settings,
      now: () => this.now,
      changed: () => this.events.changed(),
      replan: () => this.plan(),
    };
    this.local = new LocalUpkeep(context);
    this.acme = new AcmeUpkeep(context);
  }

  /** What the proxy serves. */
  get source(): CertificateSource {
    return this.store.source;
  }

  private get now(): number {
    return this.env.ctx.clock.now();
  }

  async configure(settings: Settings): Promise<void> {
    const before = this.settings;
    this.settings = settings;
    await this.acme.settingsChanged(before, settings);
    if (this.running) await this.reconcile();
  }

  async start(): Promise<void> {
    this.running = true;
    await this.acme.load();
    await this.reconcile();
  }

  /** Stops the schedule; an order in flight is given a short while to finish writing its files. */
  async stop(): Promise<void> {
    this.running = false;
    this.timer?.cancel();
    this.timer = undefined;
    await this.acme.settle();
  }

  onChange(listener: () => void): () => void {
    return this.events.onChange(listener);
  }

  /** `podhost certs renew`: issue now (local or ACME, per certs.mode), ignoring the schedule and any backoff. */
  async renewNow(): Promise<CertsStatus> {
    if (this.mode() === "acme") await this.acme.issue();
    else await this.serially(() => this.local.reconcile(true));
    this.events.changed();
    return this.status();
  }

  /** `podhost certs ca`: the local CA certificate (PEM), created if needed. */
  async caCertificatePem(): Promise<string> {
    return (await this.local.certificateAuthority()).certPem;
  }

  /** The same as DER, for the UI's download (Windows and Android prefer .cer/.crt in DER). */
  async caCertificateDer(): Promise<Buffer> {
    return new X509Certificate(await this.caCertificatePem()).raw;
  }

  /** `podhost certs show`: the certificate chain the proxy serves by default. */
  servedCertificatePem(): string | undefined {
    return this.store.served()?.certPem;
  }

  status(): CertsStatus {
    const served = this.store.served();
    const acme = this.store.acmeCertificate();
    const onAcme = served !== undefined && served === acme;
    return describeCerts({
      now: this.now,
      mode: this.mode(),
      domain: this.settings?.domain ?? "",
      caHost: new URL(this.settings?.certs.acme.directoryUrl ?? "https://unknown").host,
      retry: this.acme.retry,
      ...(served ? { served: describe(served, onAcme ? "acme" : "local") } : {}),
      ...(served ? { nextRenewal: onAcme && this.mode() === "acme" ? this.acme.renewalTime(acme) : this.local.renewalTime() } : {}),
      ...(this.local.fault ? { fault: this.local.fault } : {}),
      ...(this.acme.progress ? { progress: this.acme.progress } : {}),
    });
  }

  /** Bring files and served certificates in line with the settings, then plan the next wake-up (one at a time). */
  private reconcile(): Promise<void> {
    return this.serially(async () => {
      await this.local.reconcile(false);
      if (this.mode() === "acme") await this.acme.reconcile();
      else this.store.setAcme(undefined);
      this.plan();
      this.events.changed();
    });
  }

  private serially(work: () => Promise<void>): Promise<void> {
    this.reconciling = this.reconciling.then(work).catch((error) => this.env.ctx.log.error(`Certificate upkeep failed: ${(error as Error).message}`));
    return this.reconciling;
  }

  private plan(): void {
    this.timer?.cancel();
    this.timer = undefined;
    if (!this.running) return;
    const times = [this.local.renewalTime() ?? this.now + day];
    if (this.mode() === "acme" && this.settings?.domain && !this.acme.busy) times.push(this.acme.due());
    // Wake when the served certificate expires, so the status says "expired" at that moment, not at the next renewal try.
    const served = this.store.served();
    const expiry = served && Date.parse(served.x509.validTo);
    if (expiry && expiry > this.now) times.push(expiry);
    this.timer = this.env.ctx.clock.setTimeout(() => void this.reconcile(), timerDelay(Math.min(...times), this.now));
  }

  private mode() {
    return this.settings?.certs.mode ?? "local";
  }
}

function describe(cert: ServedCertificate, source: "local" | "acme"): CertificateInfo {
  const issuerLines = cert.x509.issuer.split("\n");
  const issuer = (issuerLines.find((l) => l.startsWith("CN=")) ?? issuerLines.find((l) => l.startsWith("O=")) ?? "").replace(/^\w+=/, "");
  return { source, issuer, names: certificateNames(cert.certPem), keyType: keyTypeOf(cert), notBefore: Date.parse(cert.x509.validFrom), notAfter: Date.parse(cert.x509.validTo) };
}
