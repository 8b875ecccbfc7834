import { join } from "node:path";
import { dnsProviderInfo, type DnsStatus, type DnsUpdateResult } from "../../shared/dns";
import type { Settings } from "../../shared/settings";
import type { TxtRecordWriter } from "../contracts";
import { ChangeEmitter } from "../service";
import { defaultEchoUrls, detectAddresses, systemInterfaces } from "./addresses";
import { policy, UpdateEngine, type RunMode } from "./engine";
import { describePublishing } from "./publishing";
import { createHttpClient, type HttpClient } from "./http";
import { buildTarget } from "./target";
import { explainedTxtRecords } from "./txt-records";
import { authoritativeServers, waitUntilServed } from "./propagation";
import type { DnsDeps, DnsService } from "./index";
import { podhostVersion } from "../version";

const settingsPage = { label: "Open Settings > Domain & DNS", page: "settings/dns" };

/** Dynamic DNS: a timer that runs the engine every 5 minutes, and the status built from it. */
export class DynamicDns implements DnsService {
  private readonly events = new ChangeEmitter();
  private readonly engine: UpdateEngine;
  private readonly http: HttpClient;
  private settings: Settings | undefined;
  private problem: string | undefined;
  private txt: TxtRecordWriter | undefined;
  private timer: { cancel(): void } | undefined;
  /** When the timer runs the next check (what the status promises). */
  private nextCheckAt: number | undefined;
  private started = false;
  /** Runs one at a time: a press of Update now waits for the timer's check, never races it. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: DnsDeps) {
    const { ctx } = options;
    this.http = createHttpClient(`podhost/${options.version ?? podhostVersion()}`);
    this.engine = new UpdateEngine({
      clock: ctx.clock,
      log: ctx.log,
      cachePath: join(ctx.dataDir, "dns", "cache.json"),
      onChange: () => this.events.changed(),
      detect: (wantIpv6, previous) => {
        const echoUrl = this.settings?.dns.ipEchoUrl;
        const echoUrls = echoUrl ? [echoUrl] : (options.defaultEchoUrls ?? defaultEchoUrls);
        return detectAddresses({ router: options.router, echoUrls, interfaces: options.interfaces ?? systemInterfaces, http: this.http }, wantIpv6, previous);
      },
    });
  }

  async configure(settings: Settings): Promise<void> {
    this.settings = settings;
    const { target, problem } = buildTarget(settings, this.options.secrets, this.http);
    this.problem = problem;
    const writer = target?.provider.txt?.(target.config);
    this.txt = writer && explainedTxtRecords(writer, target!.provider, async (fqdn, value) => {
      const servers = await (this.options.authoritativeServers ?? authoritativeServers)(fqdn);
      await waitUntilServed(fqdn, value, { servers, clock: this.options.ctx.clock, provider: target!.provider.info.label });
    });
    await this.serial(() => this.engine.setTarget(target));
    if (this.started) this.schedule(0);
    this.events.changed();
  }

  async start(): Promise<void> {
    this.started = true;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.started = false;
    this.timer?.cancel();
    this.timer = undefined;
    this.nextCheckAt = undefined;
    await this.queue;
  }

  /** Update now: sends only when the provider does not have the address yet, unless `force`. */
  updateNow(options: { force?: boolean } = {}): Promise<DnsUpdateResult> {
    if (this.problem) {
      return Promise.resolve({ at: this.options.ctx.clock.now(), outcome: "skipped", reason: "incomplete-settings", message: `${this.problem} Nothing sent.`, next: "Update now works once these settings are complete." });
    }
    return this.run(options.force ? "force" : "now");
  }

  /** One scheduled check, run now. */
  check(): Promise<DnsUpdateResult> {
    return this.run("check");
  }

  /** Any run, then the timer set to when the engine wants the next one: "trying again in 1 minute" is 1 minute, whoever ran it. */
  private run(mode: RunMode): Promise<DnsUpdateResult> {
    return this.serial(() => this.engine.run(mode)).finally(() => {
      this.events.changed();
      if (this.started) this.schedule(Math.max(0, (this.engine.nextRunAt ?? 0) - this.options.ctx.clock.now()));
    });
  }

  txtRecords(): TxtRecordWriter | undefined {
    return this.txt;
  }

  onChange(listener: () => void): () => void {
    return this.events.onChange(listener);
  }

  status(): DnsStatus {
    const dns = this.settings?.dns;
    if (!dns || dns.provider === "none") return { state: "off", message: "Dynamic DNS is off (Settings > Domain & DNS).", history: [] };
    const { stop, history } = this.engine.state();
    const base = { provider: dns.provider, name: dns.name || this.settings?.domain || "", history };
    if (this.problem) return { ...base, state: "not-configured", message: this.problem, action: settingsPage };
    const published = this.engine.published();
    const detected = this.engine.detected;
    const facts = {
      ...base,
      ...(published ? { published } : {}),
      ...(detected ? { detected } : {}),
      ...(history[0] ? { lastUpdate: history[0] } : {}),
      ...(this.engine.lastCheckAt !== undefined ? { lastCheckAt: this.engine.lastCheckAt } : {}),
    };
    const label = dnsProviderInfo[dns.provider].label;
    if (this.engine.sending) return { ...facts, state: "updating", message: `Sending the address of this connection to ${label}...` };
    const words = describePublishing({ name: base.name, published, current: this.engine.current, last: history[0], acceptedAt: this.engine.acceptedAt(), verified: this.engine.verified(), nextRunAt: this.nextCheckAt });
    const updateNow = { label: "Update now", command: "dns.update" };
    if (stop) return { ...facts, state: "failed", message: `Updates are stopped: ${stop.reason}${words.stale ? ` ${words.stale}` : ""}`, action: settingsPage };
    if (words.state) return { ...facts, state: words.state, message: words.message, action: updateNow };
    if (detected && !detected.ipv4 && !detected.ipv6) return { ...facts, state: "waiting", message: "No public address found yet; podhost checks again every 5 minutes." };
    return { ...facts, state: "waiting", message: `Checking the public address of this connection for ${base.name}...` };
  }

  private schedule(delayMs: number): void {
    this.timer?.cancel();
    this.nextCheckAt = this.options.ctx.clock.now() + delayMs;
    this.timer = this.options.ctx.clock.setTimeout(() => {
      void this.check().catch((error: unknown) => {
        this.options.ctx.log.error(`The dynamic DNS check failed: ${error instanceof Error ? error.message : String(error)}`);
        if (this.started) this.schedule(policy.checkEveryMs);
      });
    }, delayMs);
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
