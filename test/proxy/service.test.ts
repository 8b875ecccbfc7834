import { createServer, type Server } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { settingsSchema, settingsError } from "../../shared/settings";
import { LogBus } from "../../main/log";
import { systemClock } from "../../main/service";
import { createProxyService, type ProxyService } from "../../main/proxy";
import { mayBind } from "../../main/proxy/privileged";
import { httpGet, podName, rawExchange, startBackend, statusOf, TestCertificates, type Backend } from "./fixtures";
import { freePort } from "../helpers/ports";


const ctx = () => ({ dataDir: "/nonexistent", log: new LogBus().logger("proxy"), clock: systemClock });
const unprivileged = () => ({ uid: 1000, capabilities: 0n, unprivilegedPortStart: 1024 });

describe("the proxy service", () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function started(proxySettings: Record<string, unknown>, backend?: Backend): Promise<{ service: ProxyService; httpsPort: number; httpPort: number }> {
    const httpsPort = await freePort();
    const httpPort = await freePort();
    const settings = settingsSchema.parse({ domain: podName, pod: { port: backend?.port ?? 3000 }, proxy: { httpsPort, httpPort, ...proxySettings } });
    const service = createProxyService({ ctx: ctx(), certificates: new TestCertificates([podName]), bindAddress: "127.0.0.1", bindFacts: unprivileged });
    cleanups.push(() => service.stop());
    await service.configure(settings);
    await service.start();
    return { service, httpsPort, httpPort };
  }

  it("maps the pod's domain to 127.0.0.1:pod.port and listens on the configured ports", async () => {
    const backend = await startBackend();
    cleanups.push(() => backend.close());
    const { service, httpsPort, httpPort } = await started({ aliases: [`www.${podName}`] }, backend);
    const status = service.status();
    expect(status.state).toBe("running");
    expect(status.message).toContain(podName);
    expect(status.listeners).toEqual([{ proto: "https", port: httpsPort, state: "listening" }, { proto: "http", port: httpPort, state: "listening" }]);
    expect(status.routes).toEqual([
      { kind: "pod", host: podName, prefix: "", target: `127.0.0.1:${backend.port}` },
      { kind: "alias", host: `www.${podName}`, prefix: "", target: podName },
    ]);
    expect(service.listeners()).toEqual({ httpsPort, httpPort });
    expect(statusOf(await rawExchange(httpsPort, `GET / HTTP/1.1\r\nHost: ${podName}\r\nConnection: close\r\n\r\n`, { tls: true }))).toBe(200);
    expect(statusOf(await rawExchange(httpPort, `GET / HTTP/1.1\r\nHost: ${podName}\r\nConnection: close\r\n\r\n`))).toBe(301);
    expect(service.status().requests).toBe(2);
  });

  it("applies new routes on configure without restarting, and keeps kept-alive connections", async () => {
    const backend = await startBackend();
    const other = await startBackend();
    cleanups.push(() => backend.close(), () => other.close());
    const { service, httpsPort, httpPort } = await started({ redirectToHttps: false }, backend);
    expect((await httpGet(httpPort, "/")).status).toBe(200);
    const settings = settingsSchema.parse({ domain: podName, pod: { port: backend.port }, proxy: { httpsPort, httpPort, redirectToHttps: false, routes: [{ host: "nas.example.test", upstream: `127.0.0.1:${other.port}` }] } });
    await service.configure(settings);
    expect((await httpGet(httpPort, "/", "nas.example.test")).status).toBe(200);
    expect(other.seen).toHaveLength(1);
    expect((await httpGet(httpPort, "/")).status).toBe(200);
    expect(service.status().routes?.at(-1)).toEqual({ kind: "route", host: "nas.example.test", prefix: "", target: `127.0.0.1:${other.port}` });
  });

  it("names the program holding a busy port", async () => {
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise((resolve) => holder.close(resolve)));
    const busy = (holder.address() as { port: number }).port;
    const settings = settingsSchema.parse({ domain: podName, proxy: { httpsPort: busy, httpPort: await freePort() } });
    const service = createProxyService({ ctx: ctx(), certificates: new TestCertificates([podName]), bindAddress: "127.0.0.1", bindFacts: unprivileged });
    await service.configure(settings);
    await service.start();
    const status = service.status();
    expect(status.state).toBe("failed");
    expect(status.message).toContain(`Port ${busy} (HTTPS) is used by`);
    expect(status.message).toContain(`(pid ${process.pid})`);
    expect(status.listeners?.[0]).toMatchObject({ port: busy, state: "failed" });
    expect(status.action?.page).toBe("settings/network");
  });

  it("explains the three ways to allow ports 443 and 80 when it may not bind them", async () => {
    const settings = settingsSchema.parse({ domain: podName, proxy: { httpsPort: 443, httpPort: 80 } });
    const service = createProxyService({ ctx: ctx(), certificates: new TestCertificates([podName]), bindAddress: "127.0.0.1", bindFacts: unprivileged });
    await service.configure(settings);
    await service.start();
    const { state, message } = service.status();
    expect(state).toBe("failed");
    expect(message).toContain("443 and 80");
    expect(message).toContain("setcap cap_net_bind_service=+ep");
    expect(message).toContain("net.ipv4.ip_unprivileged_port_start=80");
    expect(message).toContain("root");
  });

  it("reads the right to bind low ports from root, CAP_NET_BIND_SERVICE or the sysctl", () => {
    expect(mayBind(443, unprivileged())).toBe(false);
    expect(mayBind(8443, unprivileged())).toBe(true);
    expect(mayBind(443, { ...unprivileged(), uid: 0 })).toBe(true);
    expect(mayBind(443, { ...unprivileged(), capabilities: 1n << 10n })).toBe(true);
    expect(mayBind(443, { ...unprivileged(), capabilities: 1n << 12n })).toBe(false);
    expect(mayBind(80, { ...unprivileged(), unprivilegedPortStart: 80 })).toBe(true);
  });

  it("leaves out a passthrough name that is the pod's own and says why", async () => {
    const { service } = await started({ passthrough: [{ host: podName, upstream: "192.168.1.5:443" }] });
    expect(service.status().message).toContain(`proxy.passthrough: ${podName} is the pod's own name`);
    expect(service.status().routes?.some((r) => r.kind === "passthrough")).toBe(false);
  });

  it("validates route settings with messages that name the field", () => {
    const bad = (proxy: unknown) => {
      const parsed = settingsSchema.safeParse({ proxy });
      return parsed.success ? "valid" : settingsError(parsed.error).message;
    };
    expect(bad({ routes: [{ host: "nas.example.org", upstream: "http://nas" }] })).toContain("proxy.routes[].upstream must be host:port");
    expect(bad({ routes: [{ host: "nas.example.org", prefix: "/a/../b", upstream: "nas:80" }] })).toContain("proxy.routes[].prefix");
    expect(bad({ passthrough: [{ host: "nas.example.org", upstream: "unix:/x" }] })).toContain("proxy.passthrough[].upstream must be host:port");
    expect(bad({ maxBodyMiB: 0 })).toContain("proxy.maxBodyMiB must be from 1 to 1024");
    expect(bad({ routes: [{ host: "nas.example.org", upstream: "[fd00::5]:8080", prefix: "/nas" }], aliases: ["www.example.org"] })).toBe("valid");
  });
});
