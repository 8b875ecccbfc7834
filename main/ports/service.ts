import { join } from "node:path";
import { classifyExternalIp, explainNat, type PortMappingStatus, type PortsSettings, type PortsStatus } from "../../shared/ports";
import type { Settings } from "../../shared/settings";
import type { ProxyListeners } from "../contracts";
import { ChangeEmitter, type ServiceContext } from "../service";
import { discoverRouter, type DiscoveryNetwork } from "./discover";
import { MappingJournal, type JournalEntry } from "./journal";
import { isFailure, type PortMapper } from "./mapper";
import { readBack, removeIfOurs, reservePort, type DesiredMapping } from "./map-port";
import { troubleFrom } from "./messages";

export interface PortsTiming {
  /** Lease asked for; renewed at half of it. */
  leaseSeconds: number;
  /** After "no router" or a failure: when to look again. */
  retryMs: number;
}

interface Mapping extends JournalEntry {
  leaseSeconds: number;
  expiresAt?: number;
}

const offStatus: PortsStatus = { state: "off", message: "podhost does not touch your router. Turn on Settings > Network > \"Open ports on my router automatically\" to let it open the pod's port." };

const waitingStatus: PortsStatus = { state: "off", message: "podhost opens the pod's port on the router when the pod starts." };

/**
 * Keeps the proxy's ports mapped on the router while the pod runs: discovery, fallback
 * ports, read-back, lease renewal, journal, clean removal. All router work runs one step at
 * a time on `queue`, so renewals, settings changes and stop never interleave.
 */
export class PortsController {
  readonly events = new ChangeEmitter();
  private settings?: PortsSettings;
  private settingsKey?: string;
  private running = false;
  private mapper?: PortMapper;
  private mappings: Mapping[] = [];
  private current: PortsStatus = offStatus;
  private timer?: { cancel(): void };
  private queue: Promise<void> = Promise.resolve();
  private readonly journal: MappingJournal;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly proxyListeners: () => ProxyListeners,
    private readonly network: DiscoveryNetwork,
    private readonly timing: PortsTiming,
  ) {
    this.journal = new MappingJournal(join(ctx.dataDir, "ports"));
  }

  async configure(settings: Settings): Promise<void> {
    // The proxy's ports are what gets mapped: a change there remaps too.
    const key = JSON.stringify([settings.ports, settings.proxy]);
    const changed = key !== this.settingsKey;
    this.settingsKey = key;
    this.settings = settings.ports;
    if (changed && this.running) this.enqueue(() => this.reconcile(true));
    else if (!this.running) this.setStatus(settings.ports.upnp ? waitingStatus : offStatus);
  }

  /** Starts mapping in the background: discovery may take seconds and must not hold up the pod. */
  async start(): Promise<void> {
    this.running = true;
    this.enqueue(() => this.reconcile(false));
  }

  async stop(): Promise<void> {
    this.running = false;
    this.timer?.cancel();
    await this.enqueue(() => this.reconcile(true));
  }

  /** Resolves when the work queued so far is done (tests, the pod-address check). */
  settled(): Promise<void> {
    return this.queue;
  }

  status(): PortsStatus {
    if (!this.current.mappings) return this.current;
    const now = this.ctx.clock.now();
    const mappings = this.current.mappings.map((m): PortMappingStatus => {
      const expiresAt = this.mappings.find((own) => own.purpose === m.purpose)?.expiresAt;
      return expiresAt === undefined ? m : { ...m, leaseLeftSeconds: Math.max(0, Math.round((expiresAt - now) / 1000)) };
    });
    return { ...this.current, mappings };
  }

  /** The router's WAN address when it is public (for dynamic DNS and the doctor). */
  externalIp(): string | undefined {
    return this.current.natType === "public" ? this.current.externalIp : undefined;
  }

  /** Run `step` after everything queued before it; errors end up in the status, never thrown. */
  enqueue(step: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(step).catch((error: unknown) => this.fail(error));
    return this.queue;
  }

  /** The router this controller talks to, found again when `fresh` or not known yet. */
  async router(fresh: boolean): Promise<PortMapper | undefined> {
    if (!this.mapper || fresh) {
      this.mapper = await discoverRouter(this.network, this.settings?.discoveryTimeoutMs ?? 5000);
      if (this.mapper) this.ctx.log.info(`found the router at ${this.mapper.routerAddress} (${this.mapper.kind}); this PC is ${this.mapper.lanAddress}`);
    }
    return this.mapper;
  }

  desired(): DesiredMapping[] {
    const settings = this.settings;
    if (!settings) return [];
    const listeners = this.proxyListeners();
    const wanted: DesiredMapping[] = [{ purpose: "https", externalPort: settings.externalHttpsPort, internalPort: listeners.httpsPort }];
    if (settings.mapHttp) wanted.push({ purpose: "http", externalPort: settings.externalHttpPort, internalPort: listeners.httpPort });
    return wanted;
  }

  /** The mapping podhost holds for a purpose right now, if any. */
  mapped(purpose: DesiredMapping["purpose"]): Mapping | undefined {
    return this.mappings.find((m) => m.purpose === purpose);
  }

  /** Bring the router to what settings and running ask for. `remap` drops what we hold first. */
  private async reconcile(remap: boolean): Promise<void> {
    this.timer?.cancel();
    if (remap || !this.running || !this.settings?.upnp) await this.unmapAll();
    if (!this.running || !this.settings?.upnp) {
      // Turned off after a crash: the ports the crashed run opened still get closed.
      if (this.running && (await this.journal.read()).length) {
        const mapper = await this.router(false);
        if (mapper) await this.removeStale(mapper);
      }
      this.setStatus(this.settings?.upnp ? waitingStatus : offStatus);
      return;
    }
    if (!this.mapper) this.setStatus({ state: "discovering", message: "Looking for the router (UPnP, NAT-PMP)..." });
    const mapper = await this.router(false);
    if (!mapper) {
      const seconds = (this.settings.discoveryTimeoutMs / 1000).toFixed(1).replace(/\.0$/, "");
      this.setStatus({
        state: "unsupported",
        message: `No router answered UPnP or NAT-PMP within ${seconds} s, so podhost cannot open the pod's port.`,
        action: { label: `Turn on UPnP (or NAT-PMP) in the router's settings, or ${this.handForward()}`, page: "settings/network" },
      });
      this.retryLater();
      return;
    }
    await this.removeStale(mapper);
    const externalIp = await mapper.externalIp();
    const natType = classifyExternalIp(externalIp);
    const router = { kind: mapper.kind, address: mapper.routerAddress, lanAddress: mapper.lanAddress };
    const nat = explainNat(natType, externalIp);
    if (nat) {
      this.setStatus({ state: "unsupported", message: nat.message, action: { label: nat.fix, page: "settings/network" }, natType, ...(externalIp ? { externalIp } : {}), router });
      return;
    }
    for (const want of this.desired()) await this.mapOne(mapper, want);
    const mappings = this.mappings.map((m): PortMappingStatus => ({ purpose: m.purpose, protocol: "TCP", externalPort: m.externalPort, internalClient: m.internalClient, internalPort: m.internalPort, leaseSeconds: m.leaseSeconds }));
    const https = this.mapped("https");
    this.setStatus({
      state: "mapped",
      message: `The router forwards ${mappings.map((m) => `port ${m.externalPort} to ${m.internalClient}:${m.internalPort}`).join(" and ")}. The pod is reachable at ${externalIp}${https && https.externalPort !== 443 ? `:${https.externalPort}` : ""}.`,
      natType,
      externalIp,
      router,
      mappings,
    });
    this.scheduleRenewal();
  }

  private async mapOne(mapper: PortMapper, want: DesiredMapping): Promise<void> {
    const reserved = await reservePort(mapper, want, this.timing.leaseSeconds);
    const mapping: Mapping = { purpose: want.purpose, externalPort: reserved.externalPort, internalPort: want.internalPort, internalClient: mapper.lanAddress, leaseSeconds: reserved.leaseSeconds };
    if (reserved.leaseSeconds > 0) mapping.expiresAt = this.ctx.clock.now() + reserved.leaseSeconds * 1000;
    this.mappings = [...this.mappings.filter((m) => m.purpose !== want.purpose), mapping];
    await this.journal.write(this.mappings);
    await readBack(mapper, mapping.externalPort, mapping.internalPort);
    this.ctx.log.info(`mapped external port ${mapping.externalPort} to ${mapping.internalClient}:${mapping.internalPort} (lease ${mapping.leaseSeconds || "permanent"})`);
  }

  /** Half-way through the shortest lease (or every half lease when all are permanent), renew. */
  private scheduleRenewal(): void {
    const leases = this.mappings.map((m) => m.leaseSeconds).filter((s) => s > 0);
    const seconds = leases.length ? Math.min(...leases) : this.timing.leaseSeconds;
    this.timer = this.ctx.clock.setTimeout(() => void this.enqueue(() => this.renew()), (seconds * 1000) / 2);
  }

  private retryLater(): void {
    this.timer = this.ctx.clock.setTimeout(() => void this.enqueue(() => this.reconcile(false)), this.timing.retryMs);
  }

  /** Re-add every mapping on its port; a router that went away or restarted is found again and everything re-added. */
  private async renew(): Promise<void> {
    const mapper = this.mapper;
    if (!this.running || !mapper) return;
    try {
      for (const mapping of this.mappings) {
        const renewed = await mapper.add({ externalPort: mapping.externalPort, internalPort: mapping.internalPort, leaseSeconds: mapping.leaseSeconds, description: `podhost ${mapping.purpose}` });
        if (renewed !== mapping.externalPort) throw new Error(`the router moved port ${mapping.externalPort} to ${renewed}`);
        await readBack(mapper, mapping.externalPort, mapping.internalPort);
        if (mapping.leaseSeconds > 0) mapping.expiresAt = this.ctx.clock.now() + mapping.leaseSeconds * 1000;
      }
      this.ctx.log.debug("renewed the port mappings");
      this.setStatus({ ...this.current });
      this.scheduleRenewal();
    } catch (error) {
      this.ctx.log.warn(`renewing the port mappings failed (${error instanceof Error ? error.message : String(error)}); looking for the router again`);
      this.mapper = undefined;
      await this.reconcile(false);
    }
  }

  /** Mappings a crashed run left behind (the journal), removed before anything new is made. */
  private async removeStale(mapper: PortMapper): Promise<void> {
    const stale = (await this.journal.read()).filter((entry) => !this.mappings.some((m) => m.externalPort === entry.externalPort));
    for (const entry of stale) {
      try {
        if (await removeIfOurs(mapper, entry.externalPort, entry.internalPort, entry.internalClient)) this.ctx.log.info(`removed external port ${entry.externalPort} left by an earlier run`);
      } catch (error) {
        this.ctx.log.warn(`could not remove external port ${entry.externalPort} left by an earlier run: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    if (stale.length) await this.journal.write(this.mappings);
  }

  /** Remove what we hold; whatever cannot be removed now stays in the journal for the next start. */
  private async unmapAll(): Promise<void> {
    const mapper = this.mapper;
    if (!mapper || !this.mappings.length) return;
    for (const mapping of [...this.mappings]) {
      try {
        await removeIfOurs(mapper, mapping.externalPort, mapping.internalPort);
        this.ctx.log.info(`removed external port ${mapping.externalPort}`);
        this.mappings = this.mappings.filter((m) => m !== mapping);
      } catch (error) {
        this.ctx.log.warn(`could not remove external port ${mapping.externalPort} (it stays in the journal for the next start): ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    await this.journal.write(this.mappings);
    this.mappings = [];
  }

  private fail(error: unknown): void {
    const trouble = troubleFrom(error, this.handForward());
    this.ctx.log.warn(trouble.message);
    const { natType, externalIp, router } = this.current;
    this.setStatus({ state: trouble.state, message: trouble.message, action: { label: trouble.fix, page: "settings/network" }, ...(natType ? { natType } : {}), ...(externalIp ? { externalIp } : {}), ...(router ? { router } : {}) });
    if (isFailure(error, "unreachable", "router-restarted")) this.mapper = undefined;
    if (this.running && trouble.state === "failed") this.retryLater();
  }

  handForward(): string {
    const lan = this.mapper?.lanAddress;
    const wanted = this.desired().map((w) => `port ${w.externalPort} to ${lan ? `${lan}:${w.internalPort}` : `port ${w.internalPort} of this PC`}`);
    return `forward ${wanted.join(" and ") || "the pod's port"} by hand in the router's settings.`;
  }

  private setStatus(status: PortsStatus): void {
    this.current = status;
    this.events.changed();
  }
}
