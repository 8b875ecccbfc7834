import type { ProxyListenerStatus, ProxyStatus } from "../../shared/proxy";
import type { Settings } from "../../shared/settings";
import type { CertificateSource, ProxyListeners } from "../contracts";
import { ChangeEmitter, type ServiceContext } from "../service";
import { describeHolder, findPortHolder } from "../system/port-holder";
import type { ProxyConfig } from "./config";
import type { ListenError, ProxyEngine } from "./engine";
import { mayBind, privilegedPortHelp, readBindFacts, type BindFacts } from "./privileged";
import { mapSettings, type MappedConfig } from "./settings-map";

/** What Host hands the proxy service (the two optional fields are for tests). */
export interface ProxyDeps {
  ctx: ServiceContext;
  certificates: CertificateSource;
  /** Listen on this address only (tests use 127.0.0.1); default: every interface. */
  bindAddress?: string;
  /** What decides whether ports below 1024 may be bound (tests hand in their own). */
  bindFacts?: () => BindFacts;
}

/** How often the status page's counters (requests/s, connections) are refreshed while running. */
const countersRefreshMs = 5000;

/** The proxy as Host drives it: settings in, listeners up or a plain reason why not. */
export class ProxyServiceImpl {
  private readonly events = new ChangeEmitter();
  private mapped: MappedConfig | undefined;
  private engine: ProxyEngine | undefined;
  private state: ProxyStatus["state"] = "stopped";
  private message = "The proxy starts with the pod.";
  private listenerStates: ProxyListenerStatus[] = [];
  private domainSet = false;
  private refresh: { cancel(): void } | undefined;
  private lastRequests = -1;

  constructor(private readonly options: ProxyDeps) {}

  async configure(settings: Settings): Promise<void> {
    const previous = this.mapped;
    this.mapped = mapSettings(settings);
    this.domainSet = settings.domain !== "";
    if (this.engine && previous) {
      const samePorts = previous.config.https?.port === this.mapped.config.https?.port && previous.config.http?.port === this.mapped.config.http?.port;
      const sameRest = JSON.stringify({ ...previous.config, hosts: 0, passthrough: 0 }) === JSON.stringify({ ...this.mapped.config, hosts: 0, passthrough: 0 });
      if (samePorts && sameRest) await this.engine.reload(this.mapped.config);
      else {
        await this.stop();
        await this.start();
        return;
      }
    }
    this.describeRunning();
    this.events.changed();
  }

  async start(): Promise<void> {
    if (this.engine || !this.mapped) return;
    const config: ProxyConfig = this.withBindAddress(this.mapped.config);
    this.state = "starting";
    this.events.changed();
    const ports = [config.https?.port, config.http?.port].filter((p): p is number => p !== undefined);
    const facts = (this.options.bindFacts ?? readBindFacts)();
    const forbidden = ports.filter((port) => !mayBind(port, facts));
    if (forbidden.length) {
      this.fail(forbidden, privilegedPortHelp(forbidden));
      return;
    }
    // The engine loads when the proxy first starts, not with the daemon.
    const { ListenError, startProxy } = await import("./engine");
    try {
      this.engine = await startProxy(config, this.options.certificates);
    } catch (error) {
      if (!(error instanceof ListenError)) throw error;
      this.fail([error.port], await this.explainListenError(error));
      return;
    }
    this.state = "running";
    this.listenerStates = this.engine.listeners().map((l) => ({ ...l, state: "listening" }));
    this.describeRunning();
    this.options.ctx.log.info(this.message);
    this.scheduleRefresh();
    this.events.changed();
  }

  async stop(): Promise<void> {
    this.refresh?.cancel();
    this.refresh = undefined;
    const engine = this.engine;
    this.engine = undefined;
    if (engine) await engine.close();
    this.state = "stopped";
    this.message = "The proxy is stopped.";
    this.listenerStates = this.listenerStates.map((l) => ({ ...l, state: "stopped" }));
    this.events.changed();
  }

  status(): ProxyStatus {
    const counters = this.engine?.stats();
    return {
      state: this.state,
      message: this.message,
      ...(this.state === "failed" ? { action: { label: "Change the ports", page: "settings/network" } } : {}),
      listeners: this.listenerStates,
      routes: this.mapped?.routes ?? [],
      requests: counters?.requests ?? 0,
      requestsPerSecond: counters?.requestsPerSecond ?? 0,
      openConnections: counters?.openConnections ?? 0,
      upstreamErrors: counters?.upstreamErrors ?? 0,
      ...(this.engine ? { workers: this.engine.workers() } : {}),
      lastErrors: counters?.lastErrors ?? [],
    };
  }

  onChange(listener: () => void): () => void {
    return this.events.onChange(listener);
  }

  listeners(): ProxyListeners {
    const config = this.mapped?.config;
    const bound = (proto: "http" | "https") => this.engine?.listeners().find((l) => l.proto === proto)?.port;
    return { httpsPort: bound("https") ?? config?.https?.port ?? 8443, httpPort: bound("http") ?? config?.http?.port ?? 8080 };
  }

  private withBindAddress(config: ProxyConfig): ProxyConfig {
    const host = this.options.bindAddress;
    if (host === undefined) return config;
    return { ...config, ...(config.https ? { https: { ...config.https, host } } : {}), ...(config.http ? { http: { ...config.http, host } } : {}) };
  }

  private async explainListenError(error: ListenError): Promise<string> {
    if (error.code === "EADDRINUSE") {
      const holder = await findPortHolder(error.port).catch(() => undefined);
      return `Port ${error.port} (${error.proto.toUpperCase()}) is used by ${describeHolder(holder)}. Choose another port in Settings > Network, or stop that program.`;
    }
    if (error.code === "EACCES") return privilegedPortHelp([error.port]);
    if (error.code === "EADDRNOTAVAIL") return `This computer has no address ${this.options.bindAddress ?? ""} to listen on port ${error.port}.`;
    return `Could not listen on port ${error.port}: ${error.code}.`;
  }

  private fail(ports: number[], message: string): void {
    this.state = "failed";
    this.message = message;
    const config = this.mapped?.config;
    this.listenerStates = [
      ...(config?.https ? [{ proto: "https" as const, port: config.https.port }] : []),
      ...(config?.http ? [{ proto: "http" as const, port: config.http.port }] : []),
    ].map((l) => (ports.includes(l.port) ? { ...l, state: "failed", problem: message } : { ...l, state: "stopped" }));
    this.options.ctx.log.error(message);
    this.events.changed();
  }

  private describeRunning(): void {
    if (this.state !== "running" || !this.engine || !this.mapped) return;
    const ports = this.engine.listeners().map((l) => `${l.proto.toUpperCase()} ${l.port}`).join(" and ");
    const pod = this.mapped.routes[0]?.host ?? "localhost";
    const parts = [this.domainSet ? `Listening on ${ports} for ${pod}.` : `Listening on ${ports}. No domain set yet: the pod answers at https://localhost only.`];
    if (!this.options.certificates.defaultContext()) parts.push("HTTPS has no certificate yet: it works as soon as Certificates has one, without a restart.");
    if (this.mapped.problems.length) parts.push(`Left out: ${this.mapped.problems.join(" ")}`);
    this.message = parts.join(" ");
  }

  /** Tell the UI about fresh counters every few seconds, but only when traffic changed them. */
  private scheduleRefresh(): void {
    this.refresh = this.options.ctx.clock.setTimeout(() => {
      const requests = this.engine?.stats().requests ?? 0;
      if (requests !== this.lastRequests) {
        this.lastRequests = requests;
        this.events.changed();
      }
      if (this.engine) this.scheduleRefresh();
    }, countersRefreshMs);
  }
}
