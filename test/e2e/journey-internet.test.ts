import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { cli, podhost } from "../helpers/podhost";
import { tempDir } from "../helpers/temp";
import { HomeNetwork, type HomeNetworkOptions } from "../net/harness";
import { standInPod } from "./journey-world";

/**
 * The whole way, in network namespaces: `podhost serve` on a PC in the home network behind
 * miniupnpd, and the internet's side in the isp namespace: pebble, the DuckDNS stand-in, an
 * address echo. `podhost setup` opens the router's ports and gets pebble's certificate over
 * HTTP-01 through them; it may say "on the internet" only because the doctor found the name on
 * the public address, the pod answering there, and a trusted certificate.
 */
const ispServices = fileURLToPath(new URL("../net/isp-services.ts", import.meta.url));
const duckName = "mypod";
const duckToken = "journey-token-0123456789";
const domain = `${duckName}.duckdns.org`;

interface IspServices {
  directoryUrl: string;
  listenerCaPem: string;
  rootPem: string;
  dnsServer: string;
  duckBase: string;
  echoBase: string;
}

function firstLine(child: ChildProcess, what: string, pattern: RegExp): Promise<string> {
  let output = "";
  return new Promise((resolve, reject) => {
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("exit", (code) => reject(new Error(`${what} exited (${code}):\n${output}`)));
    createInterface({ input: child.stdout! }).on("line", (line) => {
      output += `${line}\n`;
      if (pattern.test(line)) resolve(line);
    });
  });
}

/** A home network, the internet's services, and `podhost serve` on the home PC. */
async function startWorld(router: Partial<HomeNetworkOptions>) {
  const dir = await tempDir("podhost-internet-");
  const dataDir = join(dir.path, "data");
  const network = await HomeNetwork.create({ dir: dir.path, ...router });
  const isp = network.spawn(network.isp, process.execPath, ["--import", "tsx", ispServices, JSON.stringify({ ispAddress: network.ispAddress, wanAddress: network.wanAddress, duckName, duckToken })]);
  const daemon = { current: undefined as ChildProcess | undefined };
  const close = async () => {
    await podhost(dataDir, ["stop"]).catch(() => undefined);
    daemon.current?.kill("SIGTERM");
    isp.stdin?.end();
    await network.teardown();
    await dir.cleanup();
  };
  try {
    const services = JSON.parse(await firstLine(isp, "the isp services", /^\{/)) as IspServices;
    const trust = join(dir.path, "trust.pem");
    // pebble's API listener and its issuing root: what "publicly trusted" means in this world.
    writeFileSync(trust, `${services.listenerCaPem}\n${services.rootPem}\n`);
    daemon.current = network.spawn(network.home, process.execPath, [cli, "--data-dir", dataDir, "serve", "--ui-port", "0"], { NODE_EXTRA_CA_CERTS: trust, PODHOST_DNS_SERVER: services.dnsServer });
    await firstLine(daemon.current, "podhost serve", /podhost UI:/);
    const setup = (extra: string[] = []) =>
      podhost(dataDir, [
        "setup", "--usage", "dedicated",
        "--pod-command", process.execPath, "--pod-arg", standInPod, "--pod-arg", "--port", "--pod-arg", "3000", "--pod-port", "3000", "--pod-health-url", "",
        "--dns-provider", "duckdns", "--dns-name", duckName, "--dns-token", duckToken, "--dns-server", services.duckBase, "--ip-echo-url", services.echoBase,
        "--reach", "upnp", "--https-port", "8443", "--http-port", "8080",
        "--cert", "acme", "--acme-directory", services.directoryUrl, "--acme-challenge", "http-01", "--yes", ...extra,
      ]);
    return { network, dataDir, setup, close };
  } catch (error) {
    await close();
    throw error;
  }
}

describe("the setup journey to a pod on the internet, through a real router", () => {
  let world: Awaited<ReturnType<typeof startWorld>>;
  beforeAll(async () => {
    world = await startWorld({ allowLowPorts: true, hairpinPorts: [443, 80] });
  }, 120_000);
  afterAll(() => world?.close(), 120_000);

  it("`podhost setup` maps the ports, gets pebble's certificate through them, and ends with 'on the internet' from a doctor run", { timeout: 240_000 }, async () => {
    const result = await world.setup();
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain("Every hop from the internet to the pod works.");
    expect(result.stdout).toContain(`Your pod is on the internet: https://${domain}/`);
    expect(result.stdout).toContain(`✓ Internet    Your public address is ${world.network.wanAddress}; this PC reached the pod through it (${world.network.wanAddress}:443).`);
  });

  it("is what a client on the internet sees: the pod answers on the public address with pebble's certificate for its name", async () => {
    expect(await world.network.tlsFromInternet(world.network.wanAddress, 443, domain)).toBe(`tls:DNS:${domain}`);
  });
});

describe("the setup journey on a router that refuses ports below 1024", () => {
  let world: Awaited<ReturnType<typeof startWorld>>;
  beforeAll(async () => {
    world = await startWorld({ hairpinPorts: [443, 80] });
  }, 120_000);
  afterAll(() => world?.close(), 120_000);

  it("stops before the first start, says which port the router offers, and gives the three ways out", { timeout: 240_000 }, async () => {
    const result = await world.setup();
    expect(result.code, result.stdout + result.stderr).not.toBe(0);
    expect(result.stderr).toContain(`The router does not accept external port 443; it offers 8443. The pod's address would be https://${domain}:8443/, for good`);
    expect(result.stderr).toContain("So the pod was not started.");
    expect(result.stderr).toMatch(/allow port 443 for this PC in the router's UPnP\/NAT-PMP settings and start again; or forward port 443 to 192\.168\.77\.2:8443 by hand .*; or accept https:\/\/mypod\.duckdns\.org:8443\/ as the pod's address for good: set ports\.externalHttpsPort to 8443\./);
    expect(result.stdout).not.toContain("on the internet");
    expect(JSON.parse((await podhost(world.dataDir, ["status", "--json"])).stdout).pod.state).not.toBe("running");
    expect(await world.network.tlsFromInternet(world.network.wanAddress, 443, domain)).toBe("ECONNREFUSED");
  });
});
