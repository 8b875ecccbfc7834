/**
 * Port mapping against a real miniupnpd in network namespaces (root): time from "enable" to
 * a mapping read back, next to `upnpc -a` doing the same in the same namespace; and the time
 * to a clear "no router found" status.
 */
import type { PortsSettings, PortsStatus } from "../shared/ports";
import { PortsAgent } from "../test/net/agent-client";
import { homeAddress, HomeNetwork } from "../test/net/harness";
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
    return [
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
