import type { SettingsView } from "../shared/api";
import type { CertsStatus } from "../shared/certs";
import { UserError } from "../shared/errors";
import type { DaemonStatus, StatusSnapshot } from "../shared/status";
import type { LogBus, Logger } from "./log";
import { systemClock, type Clock, type ServiceContext } from "./service";
import { SettingsManager } from "./store/settings-manager";
import { createPodService, identityLock, lockedSettings, type PodService } from "./pod";
import { createProxyService, type ProxyService } from "./proxy";
import { createCertsService, type CertsService } from "./certs";
import { createPortsService, type PortsService } from "./ports";
import { createDnsService, type DnsService } from "./dns";
import { createWebserverService, type WebserverService } from "./webserver";
import { createDoctor, type Doctor } from "./doctor";
import { createBackupService, type BackupService } from "./backup";
import { BackupFlows } from "./backup/flows";
import { Installer, managedServices, podControl } from "./pod/install";
import { EventLog } from "./events/event-log";
import { StatusEvents } from "./events/status-events";

export interface HostOptions {
  dataDir: string;
  version: string;
  logs: LogBus;
  clock?: Clock;
  /** Why the daemon's log file cannot be written right now (a full disk), for the status. */
  logProblem?: () => { message: string; since: number; linesLost: number } | undefined;
}

export interface Services {
  pod: PodService;
  proxy: ProxyService;
  certs: CertsService;
  ports: PortsService;
  dns: DnsService;
  backup: BackupService;
}

/**
 * Host: the one orchestrator. It owns settings and secrets, builds every service with what it
 * needs from the others, applies settings to them, sequences start and stop, and merges their
 * status into one snapshot and one change stream.
 */
export class Host {
  private readonly statusListeners = new Set<(snapshot: StatusSnapshot) => void>();
  private emitQueued = false;
  private readonly log: Logger;
  private readonly startedAt = Date.now();
  /** Start and stop, one after the other; `generation` tells a start that a stop came since. */
  private lifecycle: Promise<void> = Promise.resolve();
  private generation = 0;
  /** "I already run a web server": snippets and checks for the user's own server (no lifecycle of its own). */
  readonly webserver: WebserverService;
  /** Reachability diagnosis over every hop (reads the services' status; changes nothing). */
  readonly doctor: Doctor;
  /** Backups' set-up and restore, which reach across settings, the pod and the backup service. */
  readonly backups: BackupFlows;
  /** "Install diaspora* for me" and upgrades: the pod's checkout, built by steps (stops and starts the pod through Host). */
  readonly installer: Installer;
  /** The event stream: status changes per service, log lines, settings saved, notices. */
  readonly events = new EventLog();
  private readonly statusEvents: StatusEvents;

  private constructor(
    private readonly options: HostOptions,
    private readonly settings: SettingsManager,
    readonly services: Services,
    private readonly reachable: Reachability,
  ) {
    this.log = options.logs.logger("daemon");
    this.webserver = createWebserverService({ settings: () => settings.settings });
    this.doctor = createDoctor({
      settings: () => settings.settings,
      podStatus: () => services.pod.status(),
      proxyListeners: () => services.proxy.listeners(),
      portsStatus: () => services.ports.status(),
      proxyStatus: () => services.proxy.status(),
      certsStatus: () => services.certs.status(),
      dnsStatus: () => services.dns.status(),
    });
    for (const service of Object.values(services)) service.onChange(() => this.queueEmit());
    this.backups = new BackupFlows({
      dataDir: options.dataDir,
      settings,
      services,
      log: this.log,
      applySettings: (changes) => this.changeSettings(changes),
      reloadSettings: async () => {
        await settings.reload();
        options.logs.setSecrets(settings.secrets.all());
        await this.configureAll();
      },
      stopPod: () => this.stopPod(),
      inOrder: (work) => this.inOrder(work),
    });
    const env = process.env;
    this.installer = new Installer({
      ctx: { dataDir: options.dataDir, log: options.logs.logger("install"), clock: options.clock ?? systemClock },
      env,
      services: managedServices(options.dataDir, env, options.clock ?? systemClock),
      pod: podControl({ startPod: () => this.startPod({ byInstaller: true }), stopPod: () => this.stopPod(), podStatus: () => services.pod.status(), settings: () => settings.settings, backups: services.backup }),
      changeSettings: async (changes) => void (await this.changeSettings(changes)),
    });
    this.installer.onChange(() => this.queueEmit());
    this.statusEvents = new StatusEvents(this.events, options.clock ?? systemClock, this.snapshot());
    this.onStatus((snapshot) => this.statusEvents.update(snapshot));
    options.logs.subscribe((line) => this.events.publish("log", line));
  }

  static async open(options: HostOptions): Promise<Host> {
    const settings = await SettingsManager.open(options.dataDir, identityLock(options.dataDir));
    const secrets = settings.secrets;
    options.logs.setSecrets(secrets.all());
    const ctx = (name: string): ServiceContext => ({ dataDir: options.dataDir, log: options.logs.logger(name), clock: options.clock ?? systemClock });

    // Built in dependency order; each gets functions backed by the service that owns the answer.
    const ports: { current?: PortsService } = {};
    const dnsRef: { current?: DnsService } = {};
    const reachable = new Reachability();
    const certs = createCertsService({
      ctx: ctx("certs"),
      txtRecords: () => dnsRef.current?.txtRecords(),
      publicAddress: () => ports.current?.router.externalIp() ?? Promise.resolve(undefined),
      reachable: () => reachable.ready(),
    });
    const proxy = createProxyService({ ctx: ctx("proxy"), certificates: certs.source });
    const pod = createPodService({ ctx: ctx("pod") });
    ports.current = createPortsService({ ctx: ctx("ports"), proxyListeners: () => proxy.listeners() });
    dnsRef.current = createDnsService({ ctx: ctx("dns"), router: ports.current.router, secrets });
    const backup = createBackupService({ ctx: ctx("backup"), password: () => secrets.get("backup.password"), openDatabase: () => pod.openDatabase() });

    const host = new Host(options, settings, { pod, proxy, certs, ports: ports.current, dns: dnsRef.current, backup }, reachable);
    // Notices about the user's data stay in the status (daemon.notices) until fixed or dismissed.
    for (const notice of settings.notices) host.log.warn(notice.text);
    await host.installer.open();
    await host.configureAll();
    // Dynamic DNS keeps the name pointing here while podhost runs, pod started or not.
    await host.services.dns.start();
    // So does the backup schedule (once the user turned it on).
    await host.services.backup.start();
    return host;
  }

  snapshot(): StatusSnapshot {
    const daemon: DaemonStatus = { version: this.options.version, pid: process.pid, startedAt: this.startedAt, dataDir: this.options.dataDir, notices: this.settings.notices };
    const logProblem = this.options.logProblem?.();
    if (logProblem) daemon.logProblem = { message: logProblem.message, since: logProblem.since, linesLost: logProblem.linesLost };
    const { pod, proxy, certs, ports, dns, backup } = this.services;
    return { daemon, pod: pod.status(), proxy: proxy.status(), certs: certs.status(), ports: ports.status(), dns: dns.status(), backup: backup.status(), install: this.installer.status() };
  }

  onStatus(listener: (snapshot: StatusSnapshot) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  settingsView(): SettingsView {
    return this.settings.view();
  }

  /** Validate and save changes (dotted key -> value), then let every service reconcile. */
  async changeSettings(changes: Record<string, unknown>, baseRevision?: string): Promise<SettingsView> {
    await this.settings.change(changes, baseRevision);
    this.options.logs.setSecrets(this.settings.secrets.all());
    this.log.info(`Settings changed: ${Object.keys(changes).join(", ")}.`);
    this.events.publish("settings", { revision: this.settings.revision, keys: Object.keys(changes) });
    await this.configureAll();
    return this.settings.view();
  }

  /**
   * Start pod: the certificate (the local one at once), the proxy, the pod, the router ports;
   * a public certificate is asked for once the proxy listens and the ports are settled.
   * Starts and stops run one after the other; a Stop pressed meanwhile wins.
   */
  async startPod(options: { byInstaller?: boolean } = {}): Promise<void> {
    if (!options.byInstaller && this.installer.busy()) {
      throw new UserError({ code: "install-running", message: `The pod cannot start while podhost is busy: ${this.installer.status().message}`, fix: "Wait until it is done (or cancel it); podhost says so here and in the tray." });
    }
    const generation = ++this.generation;
    const current = () => generation === this.generation;
    await this.inOrder(async () => {
      const { certs, proxy, pod, ports } = this.services;
      if (!current()) return;
      await this.checkRouterBeforeFirstStart();
      this.log.info("Starting the pod.");
      for (const service of [certs, proxy, pod, ports]) {
        if (!current()) return;
        await service.start();
      }
      await ports.settled();
      if (current()) this.reachable.open();
    });
  }

  /** Before the pod's address becomes permanent: a router that offers another port than the address's stops the start. */
  private async checkRouterBeforeFirstStart(): Promise<void> {
    const settings = this.settings.settings;
    if (!settings.ports.upnp || Object.keys(lockedSettings(this.options.dataDir)).length) return;
    const problem = await this.services.ports.firstStartProblem(settings.domain);
    if (problem) throw new UserError(problem);
  }

  /** Stop pod: stop accepting first, then the pod, then router mappings and the rest. */
  async stopPod(): Promise<void> {
    this.generation++;
    this.reachable.close();
    // A start in flight may be waiting for the pod's health check: stopping the pod ends that wait.
    const podStopping = this.services.pod.stop();
    await this.inOrder(async () => {
      const { certs, proxy, pod, ports } = this.services;
      this.log.info("Stopping the pod.");
      for (const service of [proxy, pod, ports, certs]) await service.stop();
    });
    await podStopping;
  }

  private inOrder<T>(work: () => Promise<T>): Promise<T> {
    const next = this.lifecycle.then(work);
    this.lifecycle = next.then(() => undefined, () => undefined);
    return next;
  }

  /** Restart the pod's processes only; the proxy keeps answering ("your pod is starting"). */
  async restartPod(): Promise<void> {
    this.log.info("Restarting the pod.");
    await this.services.pod.restart();
  }

  /** `podhost certs renew`: a public certificate needs the proxy reachable, so only while the pod runs. */
  async renewCertificate(): Promise<CertsStatus> {
    if (this.settings.settings.certs.mode === "acme" && !this.reachable.isOpen) {
      throw new UserError({ code: "pod-stopped", message: "A public certificate can be asked for only while the pod runs: the certificate authority must reach podhost's proxy.", fix: "Start the pod; podhost then asks for the certificate by itself." });
    }
    return this.services.certs.renewNow();
  }

  /** The explicit "Reset pod identity" flow: the pod's address may change again (a new pod). */
  async resetPodIdentity(): Promise<void> {
    await this.backups.beforeIdentityReset();
    await this.services.pod.resetIdentity();
    this.log.warn("The pod's identity was reset: its address may change, and it needs a new database.");
    this.queueEmit();
  }

  /** The user read a notice and wants it gone (it stays gone: dismissed ids are kept). */
  async dismissNotice(id: string): Promise<void> {
    await this.settings.dismissNotice(id);
    this.queueEmit();
  }

  /** A port the daemon holds besides the settings' (its UI): settings that would take it are refused. */
  reservePort(what: string, port: number): void {
    this.settings.reservePort(what, port);
  }

  /** Daemon exit: everything stopped in order, nothing left running. */
  async close(): Promise<void> {
    await this.installer.close();
    await this.stopPod();
    await this.services.dns.stop();
    await this.services.backup.stop();
    this.statusListeners.clear();
    this.statusEvents.close();
  }

  private async configureAll(): Promise<void> {
    for (const service of Object.values(this.services)) await service.configure(this.settings.settings);
    await this.installer.configure(this.settings.settings);
    this.queueEmit();
  }

  private queueEmit(): void {
    if (this.emitQueued) return;
    this.emitQueued = true;
    queueMicrotask(() => {
      this.emitQueued = false;
      const snapshot = this.snapshot();
      for (const listener of this.statusListeners) listener(snapshot);
    });
  }
}

/** A gate that is open while the proxy listens and the router ports are settled. */
class Reachability {
  private opened = false;
  private waiting: (() => void)[] = [];

  get isOpen(): boolean {
    return this.opened;
  }

  ready(): Promise<void> {
    return this.opened ? Promise.resolve() : new Promise((resolve) => this.waiting.push(resolve));
  }

  open(): void {
    this.opened = true;
    for (const resolve of this.waiting.splice(0)) resolve();
  }

  close(): void {
    this.opened = false;
  }
}
