import type { Settings } from "./settings";
import { podUrl } from "./settings";
import { dnsProviderInfo, type DnsProviderId, type DnsUpdateResult } from "./dns";
import { hopOf, type DoctorReport } from "./doctor";
import type { UserErrorInfo } from "./errors";
import type { StatusSnapshot } from "./status";

/**
 * The setup journey's decisions, without any DOM: the defaults each answer implies, the pod's
 * address and user IDs, and which step a failure after Start belongs to.
 */
export const stepIds = ["usage", "pod", "name", "reach", "certificate", "review"] as const;
export type StepId = (typeof stepIds)[number];

export const stepTitles: Record<StepId, string> = {
  usage: "How this PC is used",
  pod: "The pod",
  name: "The name",
  reach: "Reachability",
  certificate: "Certificate",
  review: "Review and start",
};

/** The three cases of the design notes. */
export type Usage = "dedicated" | "webserver" | "network";
/** How visitors get from the internet to podhost's proxy. */
export type Reach = "upnp" | "manual" | "webserver";

export const usageLabels: Record<Usage, { label: string; hint: string }> = {
  dedicated: { label: "Dedicated to the pod", hint: "Nothing else serves the web here: podhost takes the web ports and the router forwards them." },
  webserver: { label: "Already runs a web server", hint: "nginx, Apache, Caddy or lighttpd keeps ports 80/443 and forwards the pod's name to podhost." },
  network: { label: "Part of a bigger network", hint: "The network has its own DNS, certificates and port forwarding: podhost changes none of them by itself." },
};

/** What step 1 sets right away, and which reachability the later step suggests. */
export function usageDefaults(usage: Usage): { changes: Record<string, unknown>; reach: Reach } {
  switch (usage) {
    case "dedicated":
      return { changes: { "webserver.enabled": false, "proxy.httpsPort": 8443, "proxy.httpPort": 8080, "ports.externalHttpsPort": 443 }, reach: "upnp" };
    case "webserver":
      return { changes: { "webserver.enabled": true, "webserver.mode": "vhost", "ports.upnp": false }, reach: "webserver" };
    case "network":
      return { changes: { "webserver.enabled": false, "ports.upnp": false }, reach: "manual" };
  }
}

export function reachChanges(reach: Reach): Record<string, unknown> {
  switch (reach) {
    case "upnp":
      return { "ports.upnp": true, "ports.mapHttp": true, "webserver.enabled": false };
    case "manual":
      return { "ports.upnp": false, "webserver.enabled": false };
    case "webserver":
      return { "ports.upnp": false, "webserver.enabled": true, "webserver.mode": "vhost" };
  }
}

/** Dynamic DNS providers, the free ones first. */
export const providerChoices: Exclude<DnsProviderId, "none">[] = ["duckdns", "desec", "freedns", "dynu", "noip", "he", "cloudflare", "namecheap", "dnsomatic", "dyndns2", "rfc2136"];

/** The pod's domain for a DDNS name: DuckDNS names may be given without their suffix. */
export function domainForDdns(provider: DnsProviderId, name: string): string {
  const trimmed = name.trim().toLowerCase();
  if (provider === "duckdns" && trimmed && !trimmed.endsWith(".duckdns.org")) return `${trimmed}.duckdns.org`;
  return trimmed;
}

export function providerLabel(provider: DnsProviderId): string {
  return provider === "none" ? "None" : dnsProviderInfo[provider].label;
}

/** The user IDs the pod's address implies: `name@host[:port]`, part of every user's identity for good. */
export function userIdExample(settings: Pick<Settings, "domain" | "ports">, user = "alice"): string | undefined {
  const url = podUrl(settings);
  return url ? `${user}@${url.replace(/^https:\/\//, "").replace(/\/$/, "")}` : undefined;
}

/** Challenges the reachability allows: HTTP-01 needs port 80, TLS-ALPN-01 podhost's own TLS on 443, DNS-01 a provider that sets TXT. */
export function allowedChallenges(settings: Settings): ("http-01" | "tls-alpn-01" | "dns-01")[] {
  const allowed: ("http-01" | "tls-alpn-01" | "dns-01")[] = ["http-01"];
  if (!settings.webserver.enabled || settings.webserver.passthrough) allowed.push("tls-alpn-01");
  if (settings.dns.provider !== "none" && dnsProviderInfo[settings.dns.provider].dns01) allowed.push("dns-01");
  return allowed;
}

/** How long the DNS test waits for the provider's one-update-a-minute limit before it gives up. */
export const dnsTestPatienceMs = 75_000;

/**
 * The DNS step's test, judged from "Update now" and the status after it: "ok" when the provider
 * holds this connection's address, "wait" when nothing could be sent yet (saving the provider
 * already sent one update, and providers take one a minute), else what went wrong.
 */
export function dnsTestVerdict(result: DnsUpdateResult, snapshot: StatusSnapshot, savedAt: number): "ok" | "wait" | { failure: string } {
  if (result.outcome === "accepted") return "ok";
  if (result.outcome !== "skipped") return { failure: result.message };
  const { dns } = snapshot;
  if (dns.state === "published") return "ok";
  const last = dns.lastUpdate;
  if (last && last.at >= savedAt) return { failure: last.message };
  return Date.now() - savedAt < dnsTestPatienceMs ? "wait" : { failure: `${result.message} ${dns.message}` };
}

export type ChainOutcome = { kind: "working"; detail: string } | { kind: "done" } | { kind: "failed"; step: StepId; error: UserErrorInfo };

/**
 * After Start pod: still working, done (pod up, proxy listening, the wanted certificate
 * served), or failed, with the step that owns the failing hop and what to do.
 */
export function chainOutcome(snapshot: StatusSnapshot, settings: Settings, startedAt: number): ChainOutcome {
  const { pod, proxy, certs, ports, dns } = snapshot;
  if (pod.problems && pod.problems.length > 0) return { kind: "failed", step: "pod", error: pod.problems[0]! };
  if (pod.state === "crashed") return { kind: "failed", step: "pod", error: { code: "pod-crashed", message: pod.message, fix: "Check the pod's command and folder, then start again." } };
  const listener = proxy.listeners?.find((l) => l.state === "failed");
  if (proxy.state === "failed" || listener) return { kind: "failed", step: "reach", error: { code: "proxy-failed", message: listener?.problem ?? proxy.message, fix: "Choose other proxy ports here, or stop what holds the port, then start again." } };
  if (ports.state === "failed" || ports.state === "unsupported") return { kind: "failed", step: "reach", error: { code: "ports-failed", message: ports.message, fix: ports.action?.label ?? "Forward the ports on the router by hand instead." } };
  if (dns.state === "failed") return { kind: "failed", step: "name", error: { code: "dns-failed", message: dns.message, fix: dns.action?.label ?? "Check the provider's name and token." } };
  // A failure from before this start (kept until an issuance succeeds) is not this start's.
  if (certs.state === "failed" && (certs.lastError?.at ?? Infinity) >= startedAt) {
    const error: UserErrorInfo = certs.lastError ?? { code: "certs-failed", message: certs.message };
    return { kind: "failed", step: "certificate", error: { code: error.code, message: error.message, fix: error.fix ?? certs.action?.label ?? "Check the certificate settings." } };
  }
  if (pod.state !== "running") return { kind: "working", detail: pod.message };
  if (proxy.state !== "running") return { kind: "working", detail: proxy.message };
  const wantedSource = settings.certs.mode;
  if (certs.certificate?.source !== wantedSource || certs.state === "issuing") return { kind: "working", detail: certs.message };
  return { kind: "done" };
}

/** How far the pod reaches, from the doctor run at the end of the setup. */
export type ReachLevel = "internet" | "internet-untrusted" | "this-network" | "unconfirmed";

export interface ReachVerdict {
  level: ReachLevel;
  /** One line: what holds. */
  headline: string;
  /** Why, from the hops that decided it. */
  detail: string;
  /** What to do next (absent when on the internet). */
  fix?: string;
}

/** The hops between the internet and this PC: one of them broken means nobody outside gets in. */
const wayInHops = ["internet", "dns", "router"] as const;

/**
 * The setup's last word, the same in the wizard and `podhost setup`: "on the internet" only when
 * the name resolves to the connection's public address, the port answered through that address,
 * and the certificate is publicly trusted; otherwise what holds and what does not, in plain words.
 */
export function reachVerdict(report: DoctorReport, certsMode: Settings["certs"]["mode"]): ReachVerdict {
  const broken = wayInHops.map((id) => hopOf(report, id)).find((h) => h?.state === "fail");
  if (broken) return { level: "this-network", headline: "Your pod is running, reachable on this network only", detail: `${broken.label}: ${broken.reason}`, ...(broken.fix ? { fix: broken.fix } : {}) };
  const unconfirmed = (["dns", "internet"] as const).map((id) => hopOf(report, id)).find((h) => h?.state !== "ok");
  if (unconfirmed) {
    return {
      level: "unconfirmed",
      headline: "Your pod is running; podhost could not confirm that it is reachable from the internet",
      detail: `${unconfirmed.label}: ${unconfirmed.reason}`,
      ...(unconfirmed.fix ? { fix: unconfirmed.fix } : {}),
    };
  }
  const untrusted = (["certificate", "proxy"] as const).map((id) => hopOf(report, id)).find((h) => h?.state !== "ok");
  if (untrusted) {
    return {
      level: "internet-untrusted",
      headline: `Your pod is reachable from the internet, but other pods will refuse its ${certsMode === "local" ? "local " : ""}certificate`,
      detail: `${untrusted.label}: ${untrusted.reason}`,
      ...(untrusted.fix ? { fix: untrusted.fix } : {}),
    };
  }
  const name = hopOf(report, "dns")!.reason;
  return { level: "internet", headline: "Your pod is on the internet", detail: `${name} ${hopOf(report, "internet")!.reason} ${hopOf(report, "proxy")!.reason}` };
}
