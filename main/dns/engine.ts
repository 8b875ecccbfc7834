import { createHash } from "node:crypto";
import type { DnsAddresses, DnsUpdateResult } from "../../shared/dns";
import type { Logger } from "../log";
import type { Clock } from "../service";
import type { DetectedAddresses } from "./addresses";
import { loadCache, saveCache, type DnsCache } from "./cache";
import { NetworkError } from "./http";
import type { ProviderConfig, ProviderModule, ProviderReply } from "./providers/types";

/** ddclient's and inadyn's hard-won rules. */
export const policy = {
  checkEveryMs: 5 * 60_000,
  refreshAfterMs: 25 * 24 * 60 * 60_000,
  minIntervalMs: 60_000,
  providerWaitMs: 30 * 60_000,
  backoffStartMs: 60_000,
  backoffMaxMs: 60 * 60_000,
  historySize: 20,
};

export interface UpdateTarget {
  provider: ProviderModule;
  config: ProviderConfig;
  /** Whether AAAA records are wanted (dns.ipv6 and the provider can). */
  ipv6: boolean;
  /** Everything that, when changed, lifts a stop: settings and secrets. */
  settingsKey: string;
}

export type RunMode = "check" | "now" | "force";

interface EngineDeps {
  clock: Clock;
  log: Logger;
  cachePath: string;
  detect(wantIpv6: boolean, previous: DnsAddresses | undefined): Promise<DetectedAddresses>;
  onChange(): void;
}

/**
 * The update policy, shared by every provider: detect the address, send only what the
 * provider has not accepted yet, and obey its answers (stop, wait, back off).
 */
export class UpdateEngine {
  private cache: DnsCache | undefined;
  private target: UpdateTarget | undefined;
  detected: DetectedAddresses | undefined;
  /** What the last check found to publish (the detected addresses the target takes). */
  current: DnsAddresses | undefined;
  sending = false;
  lastCheckAt: number | undefined;
  /** When the timer should run the next check. */
  nextRunAt: number | undefined;

  constructor(private readonly deps: EngineDeps) {}

  async setTarget(target: UpdateTarget | undefined): Promise<void> {
    const cache = await this.load();
    this.target = target;
    if (!target) return;
    const fingerprint = createHash("sha256").update(cache.salt).update(target.settingsKey).digest("hex");
    if (cache.fingerprint === fingerprint) return;
    // New settings (or secrets): whatever stopped or held updates was about the old ones. After a
    // refusal, the corrected settings may be tried at once: the refused request did not count.
    cache.fingerprint = fingerprint;
    // Whatever was accepted before, these settings have not been tried yet (even if they are an earlier set again).
    delete cache.acceptedWith;
    if (cache.stop) delete cache.lastSentAt;
    delete cache.stop;
    delete cache.hold;
    await this.save();
  }

  /** What the provider last accepted for the current target. */
  published(): DnsAddresses | undefined {
    return this.cache && this.target && this.cache.target === targetOf(this.target) ? this.cache.published : undefined;
  }

  /** Whether the provider accepted an update with the current settings and secrets (not only with earlier ones). */
  verified(): boolean {
    return this.cache !== undefined && this.cache.acceptedWith === this.cache.fingerprint;
  }

  /** When the provider last accepted an update for the current target. */
  acceptedAt(): number | undefined {
    return this.published() ? this.cache?.acceptedAt : undefined;
  }

  state(): Pick<DnsCache, "stop" | "hold" | "history"> {
    return this.cache ?? { history: [] };
  }

  async run(mode: RunMode): Promise<DnsUpdateResult> {
    const cache = await this.load();
    const target = this.target;
    const now = this.deps.clock.now();
    this.lastCheckAt = now;
    this.nextRunAt = now + policy.checkEveryMs;
    if (!target) return skipped(now, "incomplete-settings", "Dynamic DNS is off, or its settings are incomplete; nothing sent.", "Choose a provider in Settings > Domain & DNS.");
    const published = this.published();
    const detected = await this.deps.detect(target.ipv6, published);
    this.detected = detected;
    const addresses: DnsAddresses = { ...(detected.ipv4 ? { ipv4: detected.ipv4 } : {}), ...(target.ipv6 && detected.ipv6 ? { ipv6: detected.ipv6 } : {}) };
    this.current = addresses;
    const shown = list(addresses);
    if (!shown) {
      return skipped(now, "no-address", "No public address was found: the router did not report one, no echo service answered, and no network interface has one; nothing sent.", `Next check in ${duration(policy.checkEveryMs)}.`);
    }
    // Changed settings or secrets are tried at once, as ddclient does: a wrong secret must turn red now, not at the next change of address.
    const unchanged = sameAddresses(published, addresses) && this.verified();
    const refreshDue = cache.acceptedAt !== undefined && now - cache.acceptedAt >= policy.refreshAfterMs;
    if (unchanged && !refreshDue && mode !== "force") {
      return skipped(now, "up-to-date", `${shown} is already published; nothing sent.`, `Next check in ${duration(policy.checkEveryMs)}.`);
    }
    if (cache.stop && mode !== "force") {
      return skipped(now, "stopped", `Updates are stopped: ${cache.stop.reason} Nothing sent.`, stopNext);
    }
    if (cache.hold && now < cache.hold.until && mode !== "force") {
      this.nextRunAt = cache.hold.until;
      return skipped(now, "waiting", `Waiting: ${cache.hold.reason} Nothing sent.`, `Next try in ${duration(cache.hold.until - now)}.`);
    }
    if (cache.lastSentAt !== undefined && now - cache.lastSentAt < policy.minIntervalMs) {
      this.nextRunAt = cache.lastSentAt + policy.minIntervalMs;
      return skipped(now, "too-soon", `The last update was sent ${duration(now - cache.lastSentAt)} ago, and providers block clients that update more than once a minute; nothing sent.`, `Next try in ${duration(this.nextRunAt - now)}.`);
    }
    return this.send(target, addresses, now);
  }

  private async send(target: UpdateTarget, addresses: DnsAddresses, now: number): Promise<DnsUpdateResult> {
    const cache = await this.load();
    const { label } = target.provider.info;
    cache.lastSentAt = now;
    this.sending = true;
    this.deps.onChange();
    let reply: ProviderReply;
    try {
      reply = await target.provider.update(target.config, addresses);
    } catch (error) {
      const why = error instanceof NetworkError ? error.message : `podhost failed while talking to it (${error instanceof Error ? error.message : String(error)})`;
      reply = { verdict: "retry", answer: "no answer", meaning: why };
    } finally {
      this.sending = false;
    }
    const story = `Sent ${list(addresses)} to ${label} for ${target.config.name}; it answered "${reply.answer}"${reply.meaning ? ` (${reply.meaning})` : ""}.`;
    let result: DnsUpdateResult;
    switch (reply.verdict) {
      case "accepted": {
        const previous = this.published();
        cache.target = targetOf(target);
        cache.published = addresses;
        cache.acceptedAt = now;
        cache.acceptedWith = cache.fingerprint;
        delete cache.hold;
        result = { at: now, outcome: "accepted", sent: addresses, answer: reply.answer, message: story, next: `Next check in ${duration(policy.checkEveryMs)}.` };
        if (previous && list(previous) !== list(addresses)) result.previous = previous;
        break;
      }
      case "fatal":
        cache.stop = { reason: `${label} answered "${reply.answer}"${reply.meaning ? `: ${reply.meaning}` : ""}.` };
        delete cache.hold;
        result = { at: now, outcome: "stopped", sent: addresses, answer: reply.answer, message: story, next: stopNext };
        break;
      case "wait": {
        const until = now + policy.providerWaitMs;
        cache.hold = { until, reason: `${label} answered "${reply.answer}", so podhost waits before asking again.`, failures: 0 };
        this.nextRunAt = until;
        result = { at: now, outcome: "waiting", sent: addresses, answer: reply.answer, message: story, next: `podhost waits ${duration(policy.providerWaitMs)} before trying again.` };
        break;
      }
      case "retry": {
        const failures = (cache.hold?.failures ?? 0) + 1;
        const delay = Math.min(policy.backoffStartMs * 2 ** (failures - 1), policy.backoffMaxMs);
        cache.hold = { until: now + delay, reason: `the last try failed (${reply.meaning ?? reply.answer}).`, failures };
        this.nextRunAt = now + delay;
        const message = reply.answer === "no answer" ? `Could not send ${list(addresses)} to ${label}: ${reply.meaning}.` : story;
        result = { at: now, outcome: "retrying", sent: addresses, answer: reply.answer, message, next: `Trying again in ${duration(delay)}.` };
        break;
      }
    }
    cache.history = [result, ...cache.history].slice(0, policy.historySize);
    this.deps.log[result.outcome === "accepted" ? "info" : "warn"](`${result.message} ${result.next}`);
    await this.save();
    this.deps.onChange();
    return result;
  }

  private async load(): Promise<DnsCache> {
    this.cache ??= await loadCache(this.deps.cachePath);
    return this.cache;
  }

  private async save(): Promise<void> {
    if (this.cache) await saveCache(this.deps.cachePath, this.cache);
  }
}

const stopNext = "Updates are stopped until you change the settings in Settings > Domain & DNS (or use Update now with Force).";

function targetOf(target: UpdateTarget): string {
  return `${target.provider.id}|${target.config.name}|${target.config.server}`;
}

export function sameAddresses(a: DnsAddresses | undefined, b: DnsAddresses | undefined): boolean {
  return a !== undefined && b !== undefined && a.ipv4 === b.ipv4 && a.ipv6 === b.ipv6;
}

function skipped(at: number, reason: NonNullable<DnsUpdateResult["reason"]>, message: string, next: string): DnsUpdateResult {
  return { at, outcome: "skipped", reason, message, next };
}

/** "198.51.100.4 and 2001:db8::4" */
export function list(addresses: DnsAddresses): string {
  return [addresses.ipv4, addresses.ipv6].filter(Boolean).join(" and ");
}

export function duration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} second${seconds === 1 ? "" : "s"}`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 90) return `${minutes} minute${minutes === 1 ? "" : "s"}`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours} hours` : `${Math.round(hours / 24)} days`;
}
