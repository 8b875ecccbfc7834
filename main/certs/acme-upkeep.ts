import type { ChallengeType, IssuanceStep } from "../../shared/certs";
import type { Settings } from "../../shared/settings";
import { resolveIpv4 } from "../system/resolve";
import { readTextIfExists, writeFileSafely } from "../store/files";
import { readAcmeAccount, readAcmeState, writeJson, writePair, type AcmeRetryState } from "./files";
import { IssuanceProblem } from "./issuance-problem";
import { backoffDelay, describeWhen, renewalTime } from "./schedule";
import { servedCertificate, type ServedCertificate } from "./source";
import { coversExactly, keyTypeOf, loadPair, publicNames, type UpkeepContext } from "./upkeep";

/** How often to ask the CA for renewal information (RFC 9773 suggests at least daily). */
const ariInterval = 6 * 60 * 60 * 1000;

/**
 * The public certificate over ACME: one order at a time, the retry state (kept on disk, so a
 * restart loop cannot hammer the CA), the CA's renewal information (ARI) and the account.
 */
export class AcmeUpkeep {
  retry: AcmeRetryState = { failures: 0 };
  /** While an order runs: its step and challenge type. */
  progress?: { step: IssuanceStep; challenge?: ChallengeType };
  private retryLoaded = false;
  private issuing?: Promise<void>;
  /** The CA's suggested renewal time (ARI) for the current certificate, when it offers one. */
  private ari?: { certPem: string; directoryUrl: string; checkedAt: number; renewAt?: number };

  constructor(private readonly context: UpkeepContext) {}

  get busy(): boolean {
    return this.issuing !== undefined;
  }

  /** The retry state on disk, read once: a wait survives a restart, a lifted one stays lifted. */
  async load(): Promise<void> {
    if (this.retryLoaded) return;
    this.retry = await readAcmeState(this.context.paths.acmeState).catch(() => ({ failures: 0 }));
    this.retryLoaded = true;
  }

  /** The user changed what the order depends on (maybe fixing the last error): try at once, unless the CA asked us to wait. */
  async settingsChanged(before: Settings | undefined, after: Settings): Promise<void> {
    await this.load();
    if (before === undefined || acmeInputs(before) === acmeInputs(after) || !this.retry.nextAttempt || this.retry.lastError?.code === "rate-limited") return;
    const { nextAttempt: _, ...rest } = this.retry;
    await this.saveRetry(rest);
  }

  /** The stored certificate served, renewal information asked for, and an order started (in the background) when due. */
  async reconcile(): Promise<void> {
    const { store, paths } = this.context;
    if (!store.acmeCertificate()) {
      const stored = await loadPair(this.context, paths.acme);
      if (stored) store.setAcme(stored);
    }
    this.refreshRenewalInfo();
    if (this.issuing || !this.context.settings()?.domain) return;
    if (this.due() <= this.context.now()) void this.issue();
  }

  /** An order now (or the one already running). */
  issue(): Promise<void> {
    this.issuing ??= this.order().finally(() => {
      this.issuing = undefined;
      this.progress = undefined;
      this.context.replan();
      this.context.changed();
    });
    return this.issuing;
  }

  /** Gives an order in flight a short while to finish writing its files. */
  async settle(): Promise<void> {
    if (!this.issuing) return;
    let grace: { cancel(): void } | undefined;
    await Promise.race([this.issuing, new Promise<void>((resolve) => (grace = this.context.env.ctx.clock.setTimeout(resolve, 5_000)))]);
    grace?.cancel();
  }

  /** When the certificate next needs work: now if it is missing or for other names, never before the retry wait ends. */
  due(): number {
    const cert = this.context.store.acmeCertificate();
    const settings = this.context.settings();
    const fits = cert && coversExactly(cert, publicNames(settings)) && keyTypeOf(cert) === settings?.certs.keyType;
    return Math.max(fits ? this.renewalTime(cert) : this.context.now(), this.retry.nextAttempt ?? 0);
  }

  /** Two thirds of the lifetime, or earlier when the CA's renewal information says so. */
  renewalTime(cert: ServedCertificate): number {
    const planned = renewalTime(Date.parse(cert.x509.validFrom), Date.parse(cert.x509.validTo));
    const suggested = this.ari?.certPem === cert.certPem ? this.ari.renewAt : undefined;
    return suggested === undefined ? planned : Math.min(planned, suggested);
  }

  /** Ask the CA (in the background) for its suggested renewal window; best effort. */
  private refreshRenewalInfo(): void {
    const { store, env, now } = this.context;
    const cert = store.acmeCertificate();
    const directoryUrl = this.context.settings()?.certs.acme.directoryUrl;
    if (!cert || !directoryUrl) return;
    const known = this.ari?.certPem === cert.certPem && this.ari.directoryUrl === directoryUrl ? this.ari : undefined;
    if (known && now() - known.checkedAt < ariInterval) return;
    const checkedAt = now();
    this.ari = { certPem: cert.certPem, directoryUrl, checkedAt, ...(known?.renewAt !== undefined ? { renewAt: known.renewAt } : {}) };
    import("./ari")
      .then(async ({ fetchRenewalWindow, pickRenewalTime }) => ({ window: await fetchRenewalWindow(directoryUrl, cert.certPem), pickRenewalTime }))
      .then(({ window, pickRenewalTime }) => {
        if (!window || this.ari?.certPem !== cert.certPem || this.ari.directoryUrl !== directoryUrl) return;
        this.ari = { certPem: cert.certPem, directoryUrl, checkedAt, renewAt: pickRenewalTime(window) };
        env.ctx.log.info(`The certificate authority suggests renewing between ${new Date(window.start).toISOString()} and ${new Date(window.end).toISOString()}.`);
        this.context.replan();
        this.context.changed();
      })
      .catch((error) => env.ctx.log.debug(`No renewal information from the CA: ${(error as Error).message}`));
  }

  private async order(): Promise<void> {
    const { env, paths, store, now } = this.context;
    const settings = this.context.settings()!;
    const names = publicNames(settings);
    const log = env.ctx.log;
    try {
      // The CA's validation must find the proxy listening and the router ports open.
      await env.reachable?.();
      if (!settings.domain) throw new IssuanceProblem({ code: "no-domain", field: "domain", message: "A public certificate needs the pod's domain, and none is set.", fix: "Enter the domain under Settings > Pod, like pod.example.org." });
      const { directoryUrl, email } = settings.certs.acme;
      const account = await readAcmeAccount(paths.account);
      const { issueAcmeCertificate } = await import("./acme-issuer");
      const issued = await issueAcmeCertificate({
        names,
        acme: settings.certs.acme,
        keyType: settings.certs.keyType,
        accountKeyPem: await this.accountKey(),
        ...(account?.directoryUrl === directoryUrl && account.email === email ? { accountUrl: account.url } : {}),
        responders: { setHttp01: (t, k) => store.setHttp01(t, k), setTlsAlpn01: (n, c) => store.setTlsAlpn01(n, c), dns01: env.txtRecords() },
        resolveHost: env.resolveHost ?? ((name) => resolveIpv4(name)),
        ...(env.publicAddress ? { publicAddress: env.publicAddress } : {}),
        onProgress: (step, challenge) => {
          this.progress = challenge ? { step, challenge } : { step };
          this.context.changed();
        },
      });
      await writeJson(paths.account, { directoryUrl, email, url: issued.accountUrl });
      await writePair(paths.acme, issued);
      await this.saveRetry({ failures: 0 });
      store.setAcme(servedCertificate(issued.certPem, issued.keyPem));
      this.refreshRenewalInfo();
      log.info(`Got a certificate for ${names.join(", ")} from ${new URL(directoryUrl).host}.`);
    } catch (error) {
      const failure = error instanceof IssuanceProblem ? error.failure : { code: "acme-internal", message: `Getting a certificate failed: ${(error as Error).message}.`, fix: "podhost tries again; if it keeps failing, report it with the log." };
      const failures = this.retry.failures + 1;
      const nextAttempt = now() + (failure.retryAfterMs ?? backoffDelay(failures));
      const { retryAfterMs: _, ...info } = failure as typeof failure & { retryAfterMs?: number };
      log.warn(`${failure.message} Next try ${describeWhen(nextAttempt, now())}.`);
      await this.saveRetry({ failures, nextAttempt, lastError: { ...info, fix: `${info.fix ?? ""} Next try ${describeWhen(nextAttempt, now())}.`.trim(), at: now() } });
    }
  }

  private async saveRetry(retry: AcmeRetryState): Promise<void> {
    await writeJson(this.context.paths.acmeState, retry).catch((error) => this.context.env.ctx.log.error(`Could not save the retry state: ${(error as Error).message}`));
    this.retry = retry;
  }

  private async accountKey(): Promise<string> {
    const { paths } = this.context;
    const existing = await readTextIfExists(paths.accountKey);
    if (existing) return existing;
    const { generateKeyPair } = await import("./keys");
    const key = await generateKeyPair("ecdsa");
    await writeFileSafely(paths.accountKey, key.pem);
    return key.pem;
  }
}

/** What an ACME order depends on: a change here deserves a fresh try. */
function acmeInputs(settings: Settings): string {
  return JSON.stringify([settings.domain, settings.certs.aliases, settings.certs.keyType, settings.certs.acme]);
}
