/** Builds a dns service the way Host does, with a hand-driven clock, a temp data dir and a stand-in router. */
import type { NetworkInterfaceInfo } from "node:os";
import { dnsProviderInfo } from "../../shared/dns";
import { applySettingsChanges, defaultSettings, type Settings } from "../../shared/settings";
import { createDnsService, type DnsService } from "../../main/dns";
import { LogBus } from "../../main/log";
import type { Clock } from "../../main/service";
import { tempDir } from "../helpers/temp";

/** A clock that moves only when the test says so. */
export class FakeClock implements Clock {
  private timers: { at: number; fn: () => void; cancelled: boolean }[] = [];

  constructor(private current = Date.parse("2026-03-01T12:00:00Z")) {}

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): { cancel(): void } {
    const timer = { at: this.current + ms, fn, cancelled: false };
    this.timers.push(timer);
    return { cancel: () => void (timer.cancelled = true) };
  }

  /** Timers set and neither fired nor cancelled. */
  pending(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  /** Moves time on and fires the timers that fall due. */
  advance(ms: number): void {
    this.current += ms;
    const due = this.timers.filter((t) => t.at <= this.current && !t.cancelled);
    this.timers = this.timers.filter((t) => !due.includes(t));
    for (const timer of due) timer.fn();
  }
}

export const minutes = (n: number) => n * 60_000;

export interface Harness {
  service: DnsService;
  clock: FakeClock;
  dataDir: string;
  log: LogBus;
  /** What the router reports as its WAN address; change it to simulate a new address. */
  router: { address: string | undefined };
  secrets: Map<string, string>;
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>;
  /** Gives the machine a public IPv6 address on eth0 (IPv6 is taken from the interfaces). */
  addIpv6(address: string): void;
  /** Apply settings changes (dotted keys) and hand them to the service, as Host does. */
  configure(changes?: Record<string, unknown>): Promise<Settings>;
  /** A second service on the same data dir: a daemon restart. */
  restart(): Promise<DnsService>;
  cleanup(): Promise<void>;
}

/** Network safety: a test must never reach a real provider through a default server. */
function loopbackOnly(settings: Settings): Settings {
  const { provider, server } = settings.dns;
  if (provider !== "none" && dnsProviderInfo[provider].defaultServer && !/^(https?:\/\/)?127\.0\.0\.1[:/]/.test(server)) {
    throw new Error(`test set-up error: dns.server must point at a fixture on 127.0.0.1, not "${server || dnsProviderInfo[provider].defaultServer}"`);
  }
  return settings;
}

/**
 * `authoritativeServers`: where DNS-01 checks that a TXT record is served (default: nowhere, so
 * no test ever asks the system's resolver for a zone's name servers).
 */
export async function startHarness(changes: Record<string, unknown>, secrets: Record<string, string> = {}, options: { authoritativeServers?: (fqdn: string) => Promise<string[]> } = {}): Promise<Harness> {
  const dir = await tempDir("podhost-dns-");
  const clock = new FakeClock();
  const log = new LogBus();
  const router = { address: "45.77.100.4" as string | undefined };
  const secretMap = new Map(Object.entries(secrets));
  const interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = {};
  let settings = loopbackOnly(applySettingsChanges(defaultSettings(), changes));
  const make = () =>
    createDnsService({
      ctx: { dataDir: dir.path, log: log.logger("dns"), clock },
      router: { externalIp: async () => router.address },
      secrets: { get: (key) => secretMap.get(key) },
      defaultEchoUrls: [],
      interfaces: () => interfaces,
      version: "9.8.7",
      authoritativeServers: options.authoritativeServers ?? (async () => []),
    });
  const harness: Harness = {
    service: make(),
    clock,
    dataDir: dir.path,
    log,
    router,
    secrets: secretMap,
    interfaces,
    addIpv6(address) {
      interfaces.eth0 = [{ address, netmask: "ffff:ffff:ffff:ffff::", family: "IPv6", mac: "02:00:00:00:00:01", internal: false, cidr: `${address}/64`, scopeid: 0 }];
    },
    async configure(more = {}) {
      settings = loopbackOnly(applySettingsChanges(settings, more));
      await harness.service.configure(settings);
      return settings;
    },
    async restart() {
      await harness.service.stop();
      harness.service = make();
      await harness.service.configure(settings);
      return harness.service;
    },
    async cleanup() {
      await harness.service.stop();
      await dir.cleanup();
    },
  };
  await harness.service.configure(settings);
  return harness;
}
