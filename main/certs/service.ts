import { X509Certificate } from "node:crypto";
import { resolveIpv4 } from "../system/resolve";
import type { CertificateInfo, CertsStatus, ChallengeType, IssuanceStep } from "../../shared/certs";
import type { Settings } from "../../shared/settings";
import type { CertsDeps } from "./index";
import { ChangeEmitter } from "../service";
import { readTextIfExists, writeFileSafely } from "../store/files";
import { IssuanceProblem } from "./issuance-problem";
import { certsPaths, readAcmeAccount, readAcmeState, readPair, writeJson, writePair, type AcmeRetryState } from "./files";
import type { LocalCa } from "./local-ca";
import { certificateNames, lanAddresses } from "./names";
import { backoffDelay, day, describeWhen, renewalTime, timerDelay } from "./schedule";
import { CertificateStore, servedCertificate, type ServedCertificate } from "./source";
import { describeCerts } from "./status";
// The X.509 builder, ACME client and their HTTP stack load on first use (dynamic imports below),
// so the daemon starts without them.

/** What the service needs from the daemon: the public face's deps (see index.ts). */
export type CertsEnvironment = CertsDeps;

/** How often to ask the CA for renewal information (RFC 9773 suggests at least daily). */
const ariInterval = 6 * 60 * 60 * 1000;

/** Keeps a certificate served at all times: the local CA's at once, the public one when ACME is on. */
export class CertsController {
  readonly store = new CertificateStore();
  readonly events = new ChangeEmitter();
  private settings?: Settings;
  private running = false;
  private ca?: LocalCa;
  private caLoading: Promise<unknown> = Promise.resolve();
  private retryLoaded = false;
  private retry: AcmeRetryState = { failures: 0 };
  private issuing?: Promise<void>;
  private progress?: { step: IssuanceStep; challenge?: ChallengeType };
  private fault?: { message: string; fix: string };
  private timer?: { cancel(): void };
  private reconciling = Promise.resolve();
  /** The CA's suggested renewal time (ARI) for the current ACME certificate, when it offers one. */
  private ari?: { certPem: string; directoryUrl: string; checkedAt: number; renewAt?: number };
  private readonly paths;

  constructor(private readonly env: CertsEnvironment) {
    this.paths = certsPaths(env.ctx.dataDir);
  }

  private get now(): number {
    return this.env.ctx.clock.now();
  }

  async configure(settings: Settings): Promise<void> {
    const before = this.settings && acmeInputs(this.settings);
    this.settings = settings;
    await this.loadRetry();
    // The user changed what the order depends on (maybe fixing the last error): try at once, unless the CA asked us to wait.
    if (before !== undefined && before !== acmeInputs(settings) && this.retry.nextAttempt && this.retry.lastError?.code !== "rate-limited") {
      const { nextAttempt: _, ...rest } = this.retry;
      await this.saveRetry(rest);
    }
    if (this.running) await this.reconcile();
  }

  async start(): Promise<void> {
    this.running = true;
    await this.loadRetry();
    await this.reconcile();
  }

  /** The retry state on disk, read once: a wait survives a restart, a lifted one stays lifted. */
  private async loadRetry(): Promise<void> {
    if (this.retryLoaded) return;
    this.retry = await readAcmeState(this.paths.acmeState).catch(() => ({ failures: 0 }));
    this.retryLoaded = true;
  }

  /** Stops the schedule; an order in flight is given a short while to finish writing its files. */
  async stop(): Promise<void> {
    this.running = false;
    this.timer?.cancel();
    this.timer = undefined;
    if (!this.issuing) return;
    let grace: { cancel(): void } | undefined;
    await Promise.race([this.issuing, new Promise<void>((resolve) => (grace = this.env.ctx.clock.setTimeout(resolve, 5_000)))]);
    grace?.cancel();
  }

  /** `podhost certs renew`: a new certificate now, ignoring the schedule and any backoff. */
  async renewNow(): Promise<CertsStatus> {
    if (this.mode() === "acme") await this.issueAcme();
    else await this.serially(() => this.upkeepLocal(true));
    this.changed();
    return this.status();
  }

  async caCertificatePem(): Promise<string> {
    return (await this.localCa()).certPem;
  }

  async caCertificateDer(): Promise<Buffer> {
    return new X509Certificate(await this.caCertificatePem()).raw;
  }

  servedCertificatePem(): string | undefined {
    return this.store.served()?.certPem;
  }

  /** Bring files and served certificates in line with the settings, then plan the next wake-up (one at a time). */
  private reconcile(): Promise<void> {
    return this.serially(() => this.reconcileOnce());
  }

  private serially(work: () => Promise<void>): Promise<void> {
    this.reconciling = this.reconciling.then(work).catch((error) => this.env.ctx.log.error(`Certificate upkeep failed: ${(error as Error).message}`));
    return this.reconciling;
  }

  private async reconcileOnce(): Promise<void> {
    await this.upkeepLocal(false);
    if (this.mode() === "acme") await this.reconcileAcme();
    else this.store.setAcme(undefined);
    this.plan();
    this.changed();
  }

  /** The local certificate in line with the settings; a failure is the status's fault until the next success. */
  private async upkeepLocal(force: boolean): Promise<void> {
    try {
      await this.reconcileLocal(force);
      this.fault = undefined;
    } catch (error) {
      this.fault = { message: `The local certificate could not be made: ${(error as Error).message}.`, fix: `Check that ${this.paths.caDir} is writable, then run \`podhost certs renew\`.` };
      this.env.ctx.log.error(this.fault.message);
    }
  }

  private async reconcileLocal(force: boolean): Promise<void> {
    const ca = await this.localCa();
    const wanted = { dnsNames: this.localDnsNames(), ips: (this.env.lanAddresses ?? lanAddresses)(), keyType: this.settings?.certs.keyType ?? "ecdsa" };
    const current = this.store.localCertificate() ?? (await this.loadPair(this.paths.local));
    const names = [...wanted.dnsNames, ...wanted.ips];
    const fits =
      current &&
      current.x509.checkIssued(new X509Certificate(ca.certPem)) &&
      sameSet(certificateNames(current.certPem), names) &&
      keyTypeOf(current) === wanted.keyType &&
      this.now < renewalTime(Date.parse(current.x509.validFrom), Date.parse(current.x509.validTo));
    if (fits && !force) {
      if (current !== this.store.localCertificate()) this.store.setLocal(current);
      return;
    }
    const { issueServerCertificate } = await import("./local-ca");
    const issued = await issueServerCertificate(ca, { ...wanted, now: this.now });
    await writePair(this.paths.local, issued);
    this.store.setLocal(servedCertificate(issued.certPem, issued.keyPem));
    this.env.ctx.log.info(`Issued a local certificate for ${names.join(", ")}.`);
  }

  /** One at a time: two callers at once (a download and the upkeep) must not each create a CA. */
  private localCa(): Promise<LocalCa> {
    const next = this.caLoading.then(() => this.loadLocalCa());
    this.caLoading = next.catch(() => undefined);
    return next;
  }

  private async loadLocalCa(): Promise<LocalCa> {
    const dnsNames = this.localDnsNames();
    if (this.ca && dnsNames.every((name) => this.ca!.dnsNames.includes(name))) return this.ca;
    const { loadOrCreateLocalCa } = await import("./local-ca");
    const { ca, created } = await loadOrCreateLocalCa(this.paths.caDir, dnsNames, this.now);
    if (created) this.env.ctx.log.info(`Created podhost's local CA for ${dnsNames.join(", ")}; devices must trust it again (Settings > Certificates).`);
    this.ca = ca;
    return ca;
  }

  private async reconcileAcme(): Promise<void> {
    if (!this.store.acmeCertificate()) {
      const stored = await this.loadPair(this.paths.acme);
      if (stored) this.store.setAcme(stored);
    }
    this.refreshRenewalInfo();
    if (this.issuing || !this.domain()) return;
    if (this.acmeDue() <= this.now) void this.issueAcme();
  }

  /** When the ACME certificate next needs work (now if it is missing or for other names). */
  private acmeDue(): number {
    const cert = this.store.acmeCertificate();
    const fits = cert && sameSet(certificateNames(cert.certPem), this.publicNames()) && keyTypeOf(cert) === this.settings?.certs.keyType;
    return Math.max(fits ? this.acmeRenewalTime(cert) : this.now, this.retry.nextAttempt ?? 0);
  }

  /** Two thirds of the lifetime, or earlier when the CA's renewal information says so. */
  private acmeRenewalTime(cert: ServedCertificate): number {
    const planned = renewalTime(Date.parse(cert.x509.validFrom), Date.parse(cert.x509.validTo));
    const suggested = this.ari?.certPem === cert.certPem ? this.ari.renewAt : undefined;
    return suggested === undefined ? planned : Math.min(planned, suggested);
  }

  /** Ask the CA (in the background) for its suggested renewal window; best effort. */
  private refreshRenewalInfo(): void {
    const cert = this.store.acmeCertificate();
    const directoryUrl = this.settings?.certs.acme.directoryUrl;
    if (!cert || !directoryUrl) return;
    const known = this.ari?.certPem === cert.certPem && this.ari.directoryUrl === directoryUrl ? this.ari : undefined;
    if (known && this.now - known.checkedAt < ariInterval) return;
    const checkedAt = this.now;
    this.ari = { certPem: cert.certPem, directoryUrl, checkedAt, ...(known?.renewAt !== undefined ? { renewAt: known.renewAt } : {}) };
    import("./ari")
      .then(async ({ fetchRenewalWindow, pickRenewalTime }) => ({ window: await fetchRenewalWindow(directoryUrl, cert.certPem), pickRenewalTime }))
      .then(({ window, pickRenewalTime }) => {
        if (!window || this.ari?.certPem !== cert.certPem || this.ari.directoryUrl !== directoryUrl) return;
        this.ari = { certPem: cert.certPem, directoryUrl, checkedAt, renewAt: pickRenewalTime(window) };
        this.env.ctx.log.info(`The certificate authority suggests renewing between ${new Date(window.start).toISOString()} and ${new Date(window.end).toISOString()}.`);
        this.plan();
        this.changed();
      })
      .catch((error) => this.env.ctx.log.debug(`No renewal information from the CA: ${(error as Error).message}`));
  }

  private issueAcme(): Promise<void> {
    this.issuing ??= this.runAcmeIssuance().finally(() => {
      this.issuing = undefined;
      this.progress = undefined;
      this.plan();
      this.changed();
    });
    return this.issuing;
  }

  private async runAcmeIssuance(): Promise<void> {
    const settings = this.settings!;
    const log = this.env.ctx.log;
    try {
      // The CA's validation must find the proxy listening and the router ports open.
      await this.env.reachable?.();
      if (!this.domain()) throw new IssuanceProblem({ code: "no-domain", field: "domain", message: "A public certificate needs the pod's domain, and none is set.", fix: "Enter the domain under Settings > Pod, like pod.example.org." });
      const { directoryUrl, email } = settings.certs.acme;
      const account = await readAcmeAccount(this.paths.account);
      const { issueAcmeCertificate } = await import("./acme-issuer");
      const issued = await issueAcmeCertificate({
        names: this.publicNames(),
        acme: settings.certs.acme,
        keyType: settings.certs.keyType,
        accountKeyPem: await this.accountKey(),
        ...(account?.directoryUrl === directoryUrl && account.email === email ? { accountUrl: account.url } : {}),
        responders: { setHttp01: (t, k) => this.store.setHttp01(t, k), setTlsAlpn01: (n, c) => this.store.setTlsAlpn01(n, c), dns01: this.env.txtRecords() },
        resolveHost: this.env.resolveHost ?? ((name) => resolveIpv4(name)),
        ...(this.env.publicAddress ? { publicAddress: this.env.publicAddress } : {}),
        onProgress: (step, challenge) => {
          this.progress = challenge ? { step, challenge } : { step };
          this.changed();
        },
      });
      await writeJson(this.paths.account, { directoryUrl, email, url: issued.accountUrl });
      await writePair(this.paths.acme, issued);
      await this.saveRetry({ failures: 0 });
      this.store.setAcme(servedCertificate(issued.certPem, issued.keyPem));
      this.refreshRenewalInfo();
      log.info(`Got a certificate for ${this.publicNames().join(", ")} from ${new URL(settings.certs.acme.directoryUrl).host}.`);
    } catch (error) {
      const failure = error instanceof IssuanceProblem ? error.failure : { code: "acme-internal", message: `Getting a certificate failed: ${(error as Error).message}.`, fix: "podhost tries again; if it keeps failing, report it with the log." };
      const failures = this.retry.failures + 1;
      const nextAttempt = this.now + (failure.retryAfterMs ?? backoffDelay(failures));
      const { retryAfterMs: _, ...info } = failure as typeof failure & { retryAfterMs?: number };
      log.warn(`${failure.message} Next try ${describeWhen(nextAttempt, this.now)}.`);
      await this.saveRetry({ failures, nextAttempt, lastError: { ...info, fix: `${info.fix ?? ""} Next try ${describeWhen(nextAttempt, this.now)}.`.trim(), at: this.now } });
    }
  }

  private async saveRetry(retry: AcmeRetryState): Promise<void> {
    await writeJson(this.paths.acmeState, retry).catch((error) => this.env.ctx.log.error(`Could not save the retry state: ${(error as Error).message}`));
    this.retry = retry;
  }

  private async accountKey(): Promise<string> {
    const existing = await readTextIfExists(this.paths.accountKey);
    if (existing) return existing;
    const { generateKeyPair } = await import("./keys");
    const key = await generateKeyPair("ecdsa");
    await writeFileSafely(this.paths.accountKey, key.pem);
    return key.pem;
  }

  private plan(): void {
    this.timer?.cancel();
    this.timer = undefined;
    if (!this.running) return;
    const local = this.store.localCertificate();
    const times = [local ? renewalTime(Date.parse(local.x509.validFrom), Date.parse(local.x509.validTo)) : this.now + day];
    if (this.mode() === "acme" && this.domain() && !this.issuing) times.push(this.acmeDue());
    // Wake when the served certificate expires, so the status says "expired" at that moment, not at the next renewal try.
    const expiry = this.store.served() && Date.parse(this.store.served()!.x509.validTo);
    if (expiry && expiry > this.now) times.push(expiry);
    const next = Math.min(...times);
    this.timer = this.env.ctx.clock.setTimeout(() => void this.reconcile(), timerDelay(next, this.now));
  }

  status(): CertsStatus {
    const served = this.store.served();
    const acme = this.store.acmeCertificate();
    const onAcme = served !== undefined && served === acme;
    return describeCerts({
      now: this.now,
      mode: this.mode(),
      domain: this.domain(),
      caHost: this.caHost(),
      retry: this.retry,
      ...(served ? { served: describe(served, onAcme ? "acme" : "local") } : {}),
      ...(served ? { nextRenewal: onAcme && this.mode() === "acme" ? this.acmeRenewalTime(acme) : this.localRenewal() } : {}),
      ...(this.fault ? { fault: this.fault } : {}),
      ...(this.progress ? { progress: this.progress } : {}),
    });
  }

  private localRenewal(): number | undefined {
    const local = this.store.localCertificate();
    return local && renewalTime(Date.parse(local.x509.validFrom), Date.parse(local.x509.validTo));
  }

  private async loadPair(paths: { cert: string; key: string }): Promise<ServedCertificate | undefined> {
    const pair = await readPair(paths);
    if (!pair) return undefined;
    try {
      return servedCertificate(pair.certPem, pair.keyPem);
    } catch (error) {
      this.env.ctx.log.warn(`Ignoring an unreadable certificate in ${paths.cert}: ${(error as Error).message}`);
      return undefined;
    }
  }

  private mode() {
    return this.settings?.certs.mode ?? "local";
  }

  private domain(): string {
    return this.settings?.domain ?? "";
  }

  private publicNames(): string[] {
    return [...new Set([this.domain(), ...(this.settings?.certs.aliases ?? [])])].filter(Boolean);
  }

  private localDnsNames(): string[] {
    return [...new Set([...this.publicNames(), "localhost"])];
  }

  private caHost(): string {
    return new URL(this.settings?.certs.acme.directoryUrl ?? "https://unknown").host;
  }

  private changed(): void {
    this.events.changed();
  }
}

/** What an ACME order depends on: a change here deserves a fresh try. */
function acmeInputs(settings: Settings): string {
  return JSON.stringify([settings.domain, settings.certs.aliases, settings.certs.keyType, settings.certs.acme]);
}

function describe(cert: ServedCertificate, source: "local" | "acme"): CertificateInfo {
  const issuerLines = cert.x509.issuer.split("\n");
  const issuer = (issuerLines.find((l) => l.startsWith("CN=")) ?? issuerLines.find((l) => l.startsWith("O=")) ?? "").replace(/^\w+=/, "");
  return { source, issuer, names: certificateNames(cert.certPem), keyType: keyTypeOf(cert), notBefore: Date.parse(cert.x509.validFrom), notAfter: Date.parse(cert.x509.validTo) };
}

function keyTypeOf(cert: ServedCertificate): "ecdsa" | "rsa" {
  return cert.x509.publicKey.asymmetricKeyType === "rsa" ? "rsa" : "ecdsa";
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === new Set(b).size && b.every((name) => a.includes(name));
}
