import { join } from "node:path";
import { clockTime } from "../../shared/clock-time";
import { classifyExternalIp, explainNat, type PortMappingStatus, type PortsSettings, type PortsStatus, type RouterInterruption } from "../../shared/ports";
import type { Settings } from "../../shared/settings";
import type { ProxyListeners } from "../contracts";
import { ChangeEmitter, type ServiceContext } from "../service";
import { discoverRouter, type DiscoveryNetwork } from "./discover";
import { listenForAlive } from "./ssdp";
import { MappingJournal, type JournalEntry } from "./journal";
import { isFailure, PortMovedError, type PortMapper } from "./mapper";
import { readBack, removeIfOurs, reservePort, type DesiredMapping } from "./map-port";
import { Leftovers } from "./leftovers";
import { interruptionSentence, troubleFrom } from "./messages";

export interface PortsTiming {
  /** Lease asked for; renewed at half of it. */
  leaseSeconds: number;
  /** After "no router" or a failure: when to look again. */
  retryMs: number;
  /** While mapped: how often the mappings are read back from the router (a rebooted router forgets them). */
  checkMs: number;
}

interface Mapping extends JournalEntry {
  leaseSeconds: number;
  expiresAt?: number;
}

const offStatus: PortsStatus = { state: "off", message: "Opening ports on the router is off. Turn on Settings > Network > \"Open ports on my router automatically\" to let podhost open the pod's port." };

const waitingStatus: PortsStatus = { state: "off", message: "podhost opens the pod's port on the router when the pod starts." };

/**
 * Keeps the proxy's ports mapped on the router while the pod runs: discovery, read-back
 * (right after mapping and every `checkMs`, so a rebooted router is noticed within one
 * interval), lease renewal, journal, clean removal. All router work runs one step at a time
 * on `queue`, so checks, renewals, settings changes and stop never interleave.
 */
export class PortsController {
  readonly events = new ChangeEmitter();
  private settings?: PortsSettings;
  private domain = "";
  private settingsKey?: string;
  private running = false;
  private mapper?: PortMapper;
  private mappings: Mapping[] = [];
  private current: PortsStatus = offStatus;
  private timer?: { cancel(): void };
  private renewAt = Infinity;
  private interruption?: RouterInterruption;
  private readonly leftovers: Leftovers;
  private announcements?: { stop(): void };
  private journalRead = false;
  private queue: Promise<void> = Promise.resolve();
  private readonly journal: MappingJournal;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly proxyListeners: () => ProxyListeners,
    private readonly network: DiscoveryNetwork,
    private readonly timing: PortsTiming,
  ) {
    this.journal = new MappingJournal(join(ctx.dataDir, "ports"));
    this.leftovers = new Leftovers(ctx, this.journal);
  }

  async configure(settings: Settings): Promise<void> {
    // The proxy's ports are what gets mapped: a change there remaps too.
    const key = JSON.stringify([settings.ports, settings.proxy]);
    const changed = key !== this.settingsKey;
    this.settingsKey = key;
    this.settings = settings.ports;
    this.domain = settings.domain;
    // A crashed run's mappings may still forward to this PC: remove them now, whatever the settings say.
    if (!this.journalRead) {
      this.journalRead = true;
      void this.enqueue(() => this.removeLeftovers());
    }
    if (changed && this.running) void this.enqueue(() => this.reconcile(true));
    else if (!this.running) this.setStatus(this.idleStatus());
  }

  /** Starts mapping in the background: discovery may take seconds and must not hold up the pod. */
  async start(): Promise<void> {
    this.running = true;
    void this.enqueue(() => this.reconcile(false));
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
      this.announcements?.stop();
      this.announcements = undefined;
      this.interruption = undefined;
      this.setStatus(this.idleStatus());
      return;
    }
    if (!this.mapper) this.setStatus({ ...this.current, state: "discovering", message: `Looking for the router (UPnP, NAT-PMP)...${interruptionSentence(this.interruption, this.timing.checkMs / 1000)}` });
    const mapper = await this.router(false);
    if (!mapper) return this.noRouter();
    await this.leftovers.remove(mapper, this.mappings);
    const externalIp = await mapper.externalIp();
    const natType = classifyExternalIp(externalIp);
    const router = { kind: mapper.kind, address: mapper.routerAddress, lanAddress: mapper.lanAddress };
    const nat = explainNat(natType, externalIp);
    if (nat) {
      this.setStatus({ state: "unsupported", message: nat.message, action: { label: nat.fix, page: "settings/network" }, natType, ...(externalIp ? { externalIp } : {}), router });
      return;
    }
    if (this.interruption?.what === "unreachable" && this.interruption.restoredAt === undefined && !(await this.stillMapped(mapper))) this.interruption.what = "lost";
    for (const want of this.desired()) await this.mapOne(mapper, want);
    if (this.interruption && this.interruption.restoredAt === undefined) {
      this.interruption.restoredAt = this.ctx.clock.now();
      this.ctx.log.info(`the port mappings are back on the router${interruptionSentence(this.interruption, this.timing.checkMs / 1000)}`);
    }
    const leases = this.mappings.map((m) => m.leaseSeconds).filter((s) => s > 0);
    this.renewAt = this.ctx.clock.now() + ((leases.length ? Math.min(...leases) : this.timing.leaseSeconds) * 1000) / 2;
    this.setMapped({ natType, externalIp, router });
  }

  /** While mapped through UPnP: a router that announces itself at another address restarted; check at once. */
  private listenForRestarts(): void {
    if (this.announcements || !this.mapper?.location) return;
    this.announcements = listenForAlive(this.network.interfaces(), ({ from, location }) => {
      const mapper = this.mapper;
      if (!this.running || !mapper?.location || from !== mapper.routerAddress || location === mapper.location || this.current.state !== "mapped") return;
      this.ctx.log.info(`the router announced itself at ${location} (was ${mapper.location}): it restarted; checking the mappings now`);
      this.timer?.cancel();
      void this.enqueue(() => this.verify());
    });
  }

  /** The status after the router confirmed every mapping just now. */
  private setMapped(found: Pick<PortsStatus, "natType" | "externalIp" | "router">): void {
    const checkedAt = this.ctx.clock.now();
    const mappings = this.mappings.map((m): PortMappingStatus => ({ purpose: m.purpose, protocol: "TCP", externalPort: m.externalPort, internalClient: m.internalClient, internalPort: m.internalPort, leaseSeconds: m.leaseSeconds }));
    const forwards = mappings.map((m) => `port ${m.externalPort} to ${m.internalClient}:${m.internalPort}`).join(" and ");
    this.setStatus({
      state: "mapped",
      message: `The router forwards ${forwards} (read back from the router at ${clockTime(checkedAt)}); its internet address is ${found.externalIp}.${interruptionSentence(this.interruption, this.timing.checkMs / 1000)}`,
      ...found,
      mappings,
      checkedAt,
      ...(this.interruption ? { interruption: { ...this.interruption } } : {}),
    });
    this.listenForRestarts();
    this.scheduleNext();
  }

  private noRouter(): void {
    if (this.interruption) {
      // It answered before: it is restarting, or gone for a while. Look again soon, and say since when.
      this.setStatus({ ...this.current, state: "failed", message: interruptionSentence(this.interruption, this.timing.checkMs / 1000).trim(), action: { label: "Check that the router is on and this PC is connected to it.", page: "settings/network" }, interruption: { ...this.interruption } });
      this.retryLater(this.timing.checkMs);
      return;
    }
    const seconds = ((this.settings?.discoveryTimeoutMs ?? 5000) / 1000).toFixed(1).replace(/\.0$/, "");
    this.setStatus({
      state: "unsupported",
      message: `No router answered UPnP or NAT-PMP within ${seconds} s, so podhost cannot open the pod's port.`,
      action: { label: `Turn on UPnP (or NAT-PMP) in the router's settings, or ${this.handForward()}`, page: "settings/network" },
    });
    this.retryLater(this.timing.retryMs);
  }

  private async mapOne(mapper: PortMapper, want: DesiredMapping): Promise<void> {
    const reserved = await reservePort(mapper, want, this.timing.leaseSeconds);
    if (reserved.externalPort !== want.externalPort) {
      // Another port is no use: the pod's address (and HTTP-01) name this one. Give it back.
      await removeIfOurs(mapper, reserved.externalPort, want.internalPort).catch(() => false);
      throw new PortMovedError(want.purpose, want.externalPort, reserved.externalPort);
    }
    const mapping: Mapping = { purpose: want.purpose, externalPort: reserved.externalPort, internalPort: want.internalPort, internalClient: mapper.lanAddress, leaseSeconds: reserved.leaseSeconds };
    if (reserved.leaseSeconds > 0) mapping.expiresAt = this.ctx.clock.now() + reserved.leaseSeconds * 1000;
    this.mappings = [...this.mappings.filter((m) => m.purpose !== want.purpose), mapping];
    await this.journal.write(this.mappings);
    // NAT-PMP's answer to the mapping request is already the router's account of it (RFC 6886 3.3).
    if (mapper.kind !== "nat-pmp") await readBack(mapper, mapping.externalPort, mapping.internalPort);
    this.ctx.log.info(`mapped external port ${mapping.externalPort} to ${mapping.internalClient}:${mapping.internalPort} (lease ${mapping.leaseSeconds || "permanent"})`);
  }

  /** The next read-back, or the renewal when it falls due first. */
  private scheduleNext(): void {
    const untilRenewal = Math.max(0, this.renewAt - this.ctx.clock.now());
    const renewing = untilRenewal <= this.timing.checkMs;
    this.timer = this.ctx.clock.setTimeout(() => void this.enqueue(() => (renewing ? this.renew() : this.verify())), Math.min(untilRenewal, this.timing.checkMs));
  }

  private retryLater(ms: number): void {
    this.timer = this.ctx.clock.setTimeout(() => void this.enqueue(() => this.reconcile(false)), ms);
  }

  /** Read every mapping back from the router: a router that restarted has forgotten them (or stopped answering). */
  private async verify(): Promise<void> {
    const mapper = this.mapper;
    if (!this.running || !mapper || this.current.state !== "mapped") return;
    try {
      if (await this.stillMapped(mapper)) return this.setMapped(this.current);
      await this.interrupted("lost");
    } catch (error) {
      if (isFailure(error, "router-restarted")) return this.interrupted("restarted");
      if (!isFailure(error, "unreachable")) throw error;
      this.mapper = undefined;
      await this.interrupted("unreachable");
    }
  }

  private async stillMapped(mapper: PortMapper): Promise<boolean> {
    for (const mapping of this.mappings) {
      const entry = await mapper.read(mapping.externalPort, mapping.internalPort);
      if (!entry || entry.internalClient !== mapper.lanAddress || entry.internalPort !== mapping.internalPort) return false;
    }
    return true;
  }

  private async interrupted(what: RouterInterruption["what"]): Promise<void> {
    this.interruption = { at: this.ctx.clock.now(), what };
    this.ctx.log.warn(`the router no longer holds the port mappings:${interruptionSentence(this.interruption, this.timing.checkMs / 1000)}`);
    await this.reconcile(false);
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
      const leases = this.mappings.map((m) => m.leaseSeconds).filter((s) => s > 0);
      this.renewAt = this.ctx.clock.now() + ((leases.length ? Math.min(...leases) : this.timing.leaseSeconds) * 1000) / 2;
      this.setMapped(this.current);
    } catch (error) {
      this.ctx.log.warn(`renewing the port mappings failed (${error instanceof Error ? error.message : String(error)}); looking for the router again`);
      this.mapper = undefined;
      await this.reconcile(false);
    }
  }

  /** At start-up: mappings a crashed run left (the journal) may still forward; say so, and remove them. */
  private async removeLeftovers(): Promise<void> {
    if (!(await this.leftovers.load())) return;
    if (!this.running) this.setStatus(this.idleStatus());
    const mapper = await this.router(false);
    if (mapper) await this.leftovers.remove(mapper, this.mappings);
    if (!this.running) this.setStatus(this.idleStatus());
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

  private idleStatus(): PortsStatus {
    return this.leftovers.describe(this.settings?.upnp ? waitingStatus : offStatus);
  }

  private fail(error: unknown): void {
    const trouble = troubleFrom(error, this.handForward(), this.domain);
    this.ctx.log.warn(trouble.message);
    const { natType, externalIp } = this.current;
    const router = this.current.router ?? (this.mapper ? { kind: this.mapper.kind, address: this.mapper.routerAddress, lanAddress: this.mapper.lanAddress } : undefined);
    this.setStatus({ state: trouble.state, message: trouble.message, action: { label: trouble.fix, page: "settings/network" }, ...(natType ? { natType } : {}), ...(externalIp ? { externalIp } : {}), ...(router ? { router } : {}) });
    const lostTouch = isFailure(error, "unreachable", "router-restarted");
    if (lostTouch) this.mapper = undefined;
    if (this.running && trouble.state === "failed") this.retryLater(lostTouch ? this.timing.checkMs : this.timing.retryMs);
  }

  /** This PC's address on the router's network, once the router was found. */
  lanAddress(): string | undefined {
    return this.mapper?.lanAddress;
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
