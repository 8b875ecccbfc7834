/**
 * A small home network in network namespaces, for tests that talk to a real router:
 *
 *   home (podhost, 192.168.77.2) --veth-- router (miniupnpd; LAN 192.168.77.1, WAN <wan>) --veth-- isp (<wan net>.1)
 *
 * The WAN address looks public but exists only inside these namespaces: nothing leaves them.
 * Every network gets unique namespace names (parallel test files never collide) and is torn
 * down by `teardown()`, and by a process-exit guard when a test died first.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { requireTool } from "../helpers/tools";

export interface HomeNetworkOptions {
  /** The router's WAN address; public-looking by default. Private or 100.64/10 for NAT tests. */
  wanAddress?: string;
  /** Advertise IGD v1 (`force_igd_desc_v1=yes`) instead of v2. */
  igdV1?: boolean;
  /** Offer UPnP (default yes); NAT-PMP is always on. */
  upnp?: boolean;
  /** Start miniupnpd at all (default yes); false leaves a plain router with no port mapping. */
  miniupnpd?: boolean;
  /** Let miniupnpd map ports below 1024 too (its default rule allows only 1024-65535). */
  allowLowPorts?: boolean;
  /** Keep mappings across a restart in a lease file (`lease_file`), as routers with flash storage do. */
  leaseFile?: boolean;
  /**
   * Hairpin NAT for these ports: a connection from the home network to the WAN address goes out
   * to the isp namespace and comes back in through the router's WAN side, as from the internet.
   */
  hairpinPorts?: number[];
  /** Ports the provider drops on the way in (e.g. 80): nothing from the isp side reaches them. */
  blockedUpstream?: number[];
  dir: string;
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export const homeAddress = "192.168.77.2";
export const routerLanAddress = "192.168.77.1";
/** Public-looking, but it exists only inside the test's namespaces. */
export const defaultWanAddress = "45.77.10.2";

let sequence = 0;
const live = new Set<HomeNetwork>();
const teardownAll = () => {
  for (const network of live) network.teardownSync();
};
process.on("exit", teardownAll);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  // Tear down, then die of the same signal as if we had not been listening.
  process.once(signal, () => {
    teardownAll();
    process.kill(process.pid, signal);
  });
}

/** Root is needed for namespaces: fail with a clear message instead of cryptic `ip` errors. */
export function requireRoot(): void {
  if (process.getuid?.() !== 0) throw new Error("This test builds network namespaces and runs miniupnpd: run it as root (sudo npx vitest run test/ports).");
}

export class HomeNetwork {
  readonly home: string;
  readonly router: string;
  readonly isp: string;
  readonly wanAddress: string;
  readonly ispAddress: string;
  private miniupnpd?: ChildProcess;
  private reflector?: ChildProcess;
  private miniupnpdLog = "";
  private readonly ip = requireTool("ip", ["/usr/sbin/ip", "/sbin/ip"]);
  private readonly nft = requireTool("nft", ["/usr/sbin/nft"]);
  private readonly miniupnpdPath = requireTool("miniupnpd", ["/usr/sbin/miniupnpd"]);

  private constructor(private readonly options: HomeNetworkOptions) {
    const id = `ph-${process.pid}-${sequence++}`;
    this.home = `${id}-home`;
    this.router = `${id}-rtr`;
    this.isp = `${id}-isp`;
    this.wanAddress = options.wanAddress ?? defaultWanAddress;
    this.ispAddress = this.wanAddress.replace(/\.\d+$/, ".1");
  }

  static async create(options: HomeNetworkOptions): Promise<HomeNetwork> {
    requireRoot();
    HomeNetwork.sweepOrphans();
    const network = new HomeNetwork(options);
    live.add(network);
    try {
      network.build();
      if (options.miniupnpd !== false) await network.startRouter();
    } catch (error) {
      network.teardownSync();
      throw error;
    }
    return network;
  }

  /** Namespaces (and their processes) left by a test process that was killed before its teardown. */
  /** The lease file miniupnpd keeps mappings in across restarts (with `leaseFile`). */
  private get leasePath(): string {
    return join(this.options.dir, `${this.router}-leases`);
  }

  private static sweepOrphans(): void {
    const ip = requireTool("ip", ["/usr/sbin/ip", "/sbin/ip"]);
    for (const line of execFileSync(ip, ["netns", "list"], { encoding: "utf8" }).split("\n")) {
      const match = /^(ph-(\d+)-\d+-(?:home|rtr|isp))\b/.exec(line);
      if (!match || isAlive(Number(match[2]))) continue;
      for (const pid of execFileSync(ip, ["netns", "pids", match[1]!], { encoding: "utf8" }).split(/\s+/).filter(Boolean)) {
        try {
          process.kill(Number(pid), "SIGKILL");
        } catch {
          // already gone
        }
      }
      execFileSync(ip, ["netns", "del", match[1]!], { stdio: "ignore" });
    }
  }

  private run(args: string[], input?: string): void {
    execFileSync(this.ip, args, { stdio: ["pipe", "pipe", "pipe"], ...(input ? { input } : {}) });
  }

  private build(): void {
    const { home, router, isp } = this;
    for (const ns of [home, router, isp]) {
      this.run(["netns", "add", ns]);
      this.run(["-n", ns, "link", "set", "lo", "up"]);
    }
    // Created straight inside the namespaces, so interface names never clash between networks.
    this.run(["link", "add", "lan0", "netns", home, "type", "veth", "peer", "name", "lan0", "netns", router]);
    this.run(["link", "add", "wan0", "netns", router, "type", "veth", "peer", "name", "wan0", "netns", isp]);
    this.run(["-n", home, "addr", "add", `${homeAddress}/24`, "dev", "lan0"]);
    this.run(["-n", router, "addr", "add", `${routerLanAddress}/24`, "dev", "lan0"]);
    this.run(["-n", router, "addr", "add", `${this.wanAddress}/24`, "dev", "wan0"]);
    this.run(["-n", isp, "addr", "add", `${this.ispAddress}/24`, "dev", "wan0"]);
    for (const [ns, dev] of [[home, "lan0"], [router, "lan0"], [router, "wan0"], [isp, "wan0"]] as const) this.run(["-n", ns, "link", "set", dev, "up"]);
    this.run(["-n", home, "route", "add", "default", "via", routerLanAddress]);
    this.run(["-n", router, "route", "add", "default", "via", this.ispAddress]);
    this.run(["netns", "exec", router, "sysctl", "-qw", "net.ipv4.ip_forward=1"]);
    // Debian's nft_init.sh fails (its helper script is missing): make miniupnpd's table and chains here.
    this.run(["netns", "exec", router, this.nft, "-f", "-"], nftRuleset);
    const { hairpinPorts = [], blockedUpstream = [] } = this.options;
    if (hairpinPorts.length) {
      this.run(["netns", "exec", router, this.nft, "-f", "-"], `table ip podhost_hairpin {\n chain pre { type nat hook prerouting priority -150; iifname "lan0" ip daddr ${this.wanAddress} tcp dport { ${hairpinPorts.join(", ")} } dnat to ${this.ispAddress}; }\n}\n`);
      this.reflector = this.spawn(isp, process.execPath, ["-e", reflectorScript(this.ispAddress, this.wanAddress, hairpinPorts)]);
    }
    if (blockedUpstream.length) {
      this.run(["netns", "exec", isp, this.nft, "-f", "-"], `table ip podhost_upstream {\n chain out { type filter hook output priority 0; ip daddr ${this.wanAddress} tcp dport { ${blockedUpstream.join(", ")} } drop; }\n}\n`);
    }
  }

  /** How many NAT-PMP requests reached the router so far (an nftables counter on its UDP port). */
  async natPmpRequests(): Promise<number> {
    const listing = (await this.exec(this.router, this.nft, ["list", "table", "inet", "podhost_count"])).stdout;
    return Number(/counter packets (\d+)/.exec(listing)?.[1] ?? NaN);
  }

  /** When miniupnpd last started listening (its NAT-PMP epoch counts from about then). */
  routerStartedAt = 0;

  /** Start miniupnpd and wait until it listens for UPnP (HTTP) and NAT-PMP. */
  async startRouter(changes: Partial<HomeNetworkOptions> = {}): Promise<void> {
    const dir = this.options.dir;
    const conf = join(dir, `${this.router}-miniupnpd.conf`);
    writeFileSync(conf, miniupnpdConf({ ...this.options, ...changes }, this.leasePath));
    this.miniupnpdLog = "";
    const child = spawn(this.ip, ["netns", "exec", this.router, this.miniupnpdPath, "-d", "-f", conf, "-P", join(dir, `${this.router}-miniupnpd.pid`)], { stdio: ["ignore", "pipe", "pipe"] });
    this.miniupnpd = child;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`miniupnpd in ${this.router} did not start listening:\n${this.miniupnpdLog}`)), 10_000);
      const onOutput = (chunk: Buffer) => {
        this.miniupnpdLog += chunk.toString();
        if (/Listening for NAT-PMP/.test(this.miniupnpdLog)) {
          clearTimeout(timer);
          this.routerStartedAt = Date.now();
          resolve();
        }
      };
      child.stdout!.on("data", onOutput);
      child.stderr!.on("data", onOutput);
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`miniupnpd exited (${code}):\n${this.miniupnpdLog}`));
      });
    });
  }

  /** Kill miniupnpd (SIGKILL: a router that loses power) and forget its mappings, as a rebooted router does. */
  async stopRouter(): Promise<void> {
    const child = this.miniupnpd;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
    this.miniupnpd = undefined;
    this.run(["netns", "exec", this.router, this.nft, "-f", "-"], "flush chain inet podhost_nat podhost_pre\nflush chain inet podhost_nat podhost_post\nflush chain inet podhost_filter podhost_fwd\n");
  }

  /** Move the router's WAN to another address (e.g. a private one: double NAT). Restart miniupnpd after. */
  setWanAddress(address: string): void {
    this.run(["-n", this.router, "addr", "flush", "dev", "wan0"]);
    this.run(["-n", this.router, "addr", "add", `${address}/24`, "dev", "wan0"]);
  }

  /** The router's forwarding rules as nftables holds them (NAT-PMP has no listing of its own). */
  async natRules(): Promise<string> {
    return (await this.exec(this.router, this.nft, ["list", "chain", "inet", "podhost_nat", "podhost_pre"])).stdout;
  }

  get routerLog(): string {
    return this.miniupnpdLog;
  }

  /** miniupnpd's device description (its HTTP port changes with every start). */
  get rootDescUrl(): string {
    const port = /HTTP listening on port (\d+)/.exec(this.miniupnpdLog)?.[1];
    if (!port) throw new Error(`miniupnpd is not listening for UPnP:\n${this.miniupnpdLog}`);
    return `http://${routerLanAddress}:${port}/rootDesc.xml`;
  }

  /** The mappings as miniupnpc's `upnpc -l` lists them from the home namespace (the cross-check). */
  async upnpcList(): Promise<{ externalPort: number; internalClient: string; internalPort: number; description: string }[]> {
    const upnpc = requireTool("upnpc", ["/usr/bin/upnpc"]);
    const result = await this.exec(this.home, upnpc, ["-u", this.rootDescUrl, "-l"]);
    return [...result.stdout.matchAll(/TCP\s+(\d+)->([\d.]+):(\d+)\s+'([^']*)'/g)].map((m) => ({ externalPort: Number(m[1]), internalClient: m[2]!, internalPort: Number(m[3]), description: m[4]! }));
  }

  /** A TCP connection from the isp namespace (the internet side); resolves with what the far end sent. */
  async connectFromInternet(host: string, port: number): Promise<string> {
    const script = `const s=require("net").connect(${port},${JSON.stringify(host)});let d="";s.setTimeout(3000,()=>{console.log("timeout");process.exit(2)});s.on("data",c=>d+=c);s.on("end",()=>{process.stdout.write(d);process.exit(0)});s.on("error",e=>{console.log(e.code);process.exit(1)})`;
    return (await this.exec(this.isp, process.execPath, ["-e", script])).stdout.trim();
  }

  /** A TLS handshake from the isp namespace; resolves with "tls:<names in the certificate>" or the error. */
  async tlsFromInternet(host: string, port: number, servername: string): Promise<string> {
    const script = `const s=require("tls").connect({port:${port},host:${JSON.stringify(host)},servername:${JSON.stringify(servername)},rejectUnauthorized:false});s.setTimeout(3000,()=>{console.log("timeout");process.exit(2)});s.on("secureConnect",()=>{console.log("tls:"+s.getPeerCertificate().subjectaltname);process.exit(0)});s.on("error",e=>{console.log(e.code);process.exit(1)})`;
    return (await this.exec(this.isp, process.execPath, ["-e", script])).stdout.trim();
  }

  /** Run a command inside one of the namespaces. */
  exec(ns: string, command: string, args: string[], timeoutMs = 20_000): Promise<CommandResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.ip, ["netns", "exec", ns, command, ...args], { stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      child.on("error", reject);
      child.on("close", (code) => {
        clearTimeout(timer);
        resolve({ code: code ?? -1, stdout, stderr });
      });
    });
  }

  /** Spawn a long-running process inside a namespace. */
  spawn(ns: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
    return spawn(this.ip, ["netns", "exec", ns, command, ...args], { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, ...env } });
  }

  async teardown(): Promise<void> {
    await this.stopRouter().catch(() => undefined);
    this.teardownSync();
  }

  teardownSync(): void {
    this.miniupnpd?.kill("SIGKILL");
    this.reflector?.kill("SIGKILL");
    for (const ns of [this.home, this.router, this.isp]) {
      try {
        // Deleting a namespace takes its veth ends (and their peers) with it.
        execFileSync(this.ip, ["netns", "del", ns], { stdio: "ignore" });
      } catch {
        // already gone
      }
    }
    live.delete(this);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

const nftRuleset = `
table inet podhost_filter {
  chain forward { type filter hook forward priority 0; policy accept; jump podhost_fwd; }
  chain podhost_fwd { }
}
table inet podhost_count {
  chain input { type filter hook input priority 0; policy accept; udp dport 5351 counter; }
}
table inet podhost_nat {
  chain prerouting { type nat hook prerouting priority -100; policy accept; jump podhost_pre; }
  chain postrouting { type nat hook postrouting priority 100; policy accept; oifname "wan0" masquerade; jump podhost_post; }
  chain podhost_pre { }
  chain podhost_post { }
}
`;

/** The isp side of hairpin NAT: every connection to the isp address goes back to the same port of the WAN address. */
function reflectorScript(ispAddress: string, wanAddress: string, ports: number[]): string {
  return `const net=require("net");for(const port of ${JSON.stringify(ports)})net.createServer(c=>{const u=net.connect(port,${JSON.stringify(wanAddress)});c.pipe(u).pipe(c);c.on("error",()=>u.destroy());u.on("error",()=>c.destroy())}).listen(port,${JSON.stringify(ispAddress)});`;
}

function miniupnpdConf(options: HomeNetworkOptions, leasePath: string): string {
  return [
    "ext_ifname=wan0",
    "listening_ip=lan0",
    "http_port=0",
    `enable_upnp=${options.upnp === false ? "no" : "yes"}`,
    "enable_natpmp=yes",
    "secure_mode=yes",
    "system_uptime=no",
    "uuid=3d3cec3a-8cf0-11e0-98ee-001a6bd2d07b",
    ...(options.igdV1 ? ["force_igd_desc_v1=yes"] : []),
    "upnp_table_name=podhost_filter",
    "upnp_nat_table_name=podhost_nat",
    "upnp_forward_chain=podhost_fwd",
    "upnp_nat_chain=podhost_pre",
    "upnp_nat_postrouting_chain=podhost_post",
    ...(options.leaseFile ? [`lease_file=${leasePath}`] : []),
    // miniupnpd's default rule: only ports 1024-65535, only for the LAN.
    `allow ${options.allowLowPorts ? "1" : "1024"}-65535 192.168.77.0/24 ${options.allowLowPorts ? "1" : "1024"}-65535`,
    "deny 0-65535 0.0.0.0/0 0-65535",
    "",
  ].join("\n");
}
