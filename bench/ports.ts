/**
 * Port mapping against a real miniupnpd in network namespaces (root): time from "enable" to
 * a mapping read back, next to `upnpc -a` doing the same in the same namespace; the same on a
 * NAT-PMP-only router next to `natpmpc -a`; the time to a clear "no router found" status; and
 * the time from a router reboot (with and without its lease file) to the mapping restored.
 */
import type { PortsSettings, PortsStatus } from "../shared/ports";
import { PortsAgent } from "../test/net/agent-client";
import { homeAddress, HomeNetwork, routerLanAddress } from "../test/net/harness";
import { tempDir } from "../test/helpers/temp";
import { requireTool } from "../test/helpers/tools";
import type { BenchResult } from "./types";

const runs = 5;
const discoveryTimeoutMs = 5000;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function medianOf(measure: (i: number) => Promise<number>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await measure(i));
  return median(times);
}

/** A fresh ports service in the agent (untimed), then the time from start() to its settled status. */
async function timeStart(agent: PortsAgent, dataDir: string, ports: Partial<PortsSettings>, expected: PortsStatus["state"]): Promise<number> {
  await agent.call("init", { dataDir, httpsPort: 8443, httpPort: 8080, ports: { upnp: true, discoveryTimeoutMs, ...ports } });
  const start = performance.now();
  const status = await agent.call("start");
  const elapsed = performance.now() - start;
  if (status.state !== expected) throw new Error(`expected ${expected}, got ${status.state}: ${status.message}`);
  await agent.call("stop");
  return elapsed;
}

/** Router reboot to mapping read back again, on real time (the read-back runs every 30 s). */
async function timeReboot(dir: string, leaseFile: boolean): Promise<number> {
  const network = await HomeNetwork.create({ dir, leaseFile });
  const agent = await PortsAgent.start(network, { dataDir: `${dir}/reboot-${leaseFile}`, httpsPort: 8443, httpPort: 8080, ports: {} });
  try {
    await agent.call("init", { dataDir: `${dir}/reboot-${leaseFile}`, httpsPort: 8443, httpPort: 8080, realClock: true, ports: { upnp: true, externalHttpsPort: 12000, discoveryTimeoutMs } });
    if ((await agent.call("start")).state !== "mapped") throw new Error(`not mapped before the reboot:\n${agent.stderr}`);
    const rebootedAt = Date.now();
    await network.stopRouter();
    await network.startRouter();
    for (;;) {
      const status = await agent.call("status");
      if (status.state === "mapped" && status.interruption?.restoredAt) return status.interruption.restoredAt - rebootedAt;
      if (Date.now() - rebootedAt > 150_000) throw new Error(`not restored within 150 s: ${status.message}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } finally {
    await agent.kill();
    await network.teardown();
  }
}

/** NAT-PMP only (UPnP off): podhost from "enable" to mapped, next to natpmpc mapping in the same namespace. */
async function natPmpOnly(dir: string): Promise<BenchResult> {
  const network = await HomeNetwork.create({ dir, upnp: false });
  const agent = await PortsAgent.start(network, { dataDir: `${dir}/natpmp-warmup`, httpsPort: 8443, httpPort: 8080, ports: {} });
  try {
    const natpmpc = requireTool("natpmpc", ["/usr/bin/natpmpc"]);
    const yardsticks: number[] = [];
    const ourTimes: number[] = [];
    // Interleaved, one of each per round: the machine's load hits both alike.
    for (let i = 0; i < 2 * runs + 1; i++) {
      const start = performance.now();
      const result = await network.exec(network.home, natpmpc, ["-g", routerLanAddress, "-a", "8443", String(13000 + i), "tcp", "3600"]);
      yardsticks.push(performance.now() - start);
      if (!/Mapped public port/.test(result.stdout)) throw new Error(`natpmpc -a failed:\n${result.stdout}${result.stderr}`);
      await network.exec(network.home, natpmpc, ["-g", routerLanAddress, "-a", "8443", String(13000 + i), "tcp", "0"]);
      ourTimes.push(await timeStart(agent, `${dir}/natpmp-${i}`, { externalHttpsPort: 14000 + i }, "mapped"));
    }
    const yardstick = median(yardsticks);
    const ours = median(ourTimes);
    return { name: "ports: NAT-PMP-only router, enable to mapping read back", unit: "ms", value: ours, yardstick: { name: "natpmpc -a", value: yardstick }, goal: "<= 1.5x natpmpc", met: ours <= 1.5 * yardstick };
  } finally {
    await agent.kill();
    await network.teardown();
  }
}

export async function run(): Promise<BenchResult[]> {
  const dir = await tempDir("podhost-bench-ports-");
  const network = await HomeNetwork.create({ dir: dir.path });
  const agent = await PortsAgent.start(network, { dataDir: `${dir.path}/warmup`, httpsPort: 8443, httpPort: 8080, ports: {} });
  try {
    const upnpc = requireTool("upnpc", ["/usr/bin/upnpc"]);
    const yardstick = await medianOf(async (i) => {
      // upnpc -a discovers, adds and reads the mapping back, as podhost does.
      const start = performance.now();
      const result = await network.exec(network.home, upnpc, ["-e", "bench", "-a", homeAddress, "8443", String(10000 + i), "TCP", "3600"]);
      const elapsed = performance.now() - start;
      if (!/is redirected to internal/.test(result.stdout)) throw new Error(`upnpc -a failed:\n${result.stdout}${result.stderr}`);
      await network.exec(network.home, upnpc, ["-u", network.rootDescUrl, "-d", String(10000 + i), "TCP"]);
      return elapsed;
    });
    const ours = await medianOf((i) => timeStart(agent, `${dir.path}/run-${i}`, { externalHttpsPort: 11000 + i }, "mapped"));
    await network.stopRouter();
    const noRouter = await medianOf((i) => timeStart(agent, `${dir.path}/none-${i}`, {}, "unsupported"));
    const natPmp = await natPmpOnly(`${dir.path}`);
    const rebootLost = await timeReboot(dir.path, false);
    const rebootKept = await timeReboot(dir.path, true);
    return [
      natPmp,
      { name: "ports: router reboot (leases lost) to mapping restored", unit: "ms", value: rebootLost, goal: "<= 120 s (goal 60 s)", met: rebootLost <= 60_000 },
      { name: "ports: router reboot (lease file kept) to mapping confirmed", unit: "ms", value: rebootKept, goal: "<= 120 s (goal 60 s)", met: rebootKept <= 60_000 },
      { name: "ports: enable to mapping read back (miniupnpd)", unit: "ms", value: ours, yardstick: { name: "upnpc -a", value: yardstick }, goal: "<= 1.5x upnpc", met: ours <= 1.5 * yardstick },
      { name: "ports: enable to 'no router found'", unit: "ms", value: noRouter, goal: `<= ${discoveryTimeoutMs + 500} ms (discovery timeout + 0.5 s)`, met: noRouter <= discoveryTimeoutMs + 500 },
    ];
  } finally {
    await agent.kill();
    await network.teardown();
    await dir.cleanup();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const result of await run()) {
    const ratio = result.yardstick ? ` (yardstick ${result.yardstick.name}: ${result.yardstick.value.toFixed(1)} ${result.unit}, ratio ${(result.value / result.yardstick.value).toFixed(2)}x)` : "";
    console.log(`${result.met ? "MET " : "MISS"} ${result.name}: ${result.value.toFixed(1)} ${result.unit}${ratio}; goal ${result.goal}`);
  }
}
