import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";
import type { PodAddressCheck, PortsSettings, PortsStatus } from "../../shared/ports";
import { tempDir } from "../helpers/temp";
import { HomeNetwork, type HomeNetworkOptions } from "./harness";

const agentPath = fileURLToPath(new URL("./ports-agent.ts", import.meta.url));

export interface AgentInit {
  dataDir: string;
  httpsPort: number;
  httpPort: number;
  ports: Partial<PortsSettings>;
  domain?: string;
}

/** The test's end of a ports agent running in the home namespace. */
export class PortsAgent {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  stderr = "";

  private constructor(readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const reply = JSON.parse(line) as { id: number; result?: unknown; error?: string };
      const waiter = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (reply.error !== undefined) waiter?.reject(new Error(`${reply.error}\nagent log:\n${this.stderr}`));
      else waiter?.resolve(reply.result);
    });
    child.stderr!.on("data", (chunk: Buffer) => (this.stderr += chunk.toString()));
    child.on("exit", () => {
      for (const waiter of this.pending.values()) waiter.reject(new Error(`the ports agent exited\n${this.stderr}`));
      this.pending.clear();
    });
  }

  /** `env`: e.g. NODE_EXTRA_CA_CERTS, the roots the doctor's TLS check trusts. */
  static async start(network: HomeNetwork, init: AgentInit, env: NodeJS.ProcessEnv = {}): Promise<PortsAgent> {
    const child = network.spawn(network.home, process.execPath, ["--import", "tsx", agentPath], env);
    const agent = new PortsAgent(child);
    await agent.call("init", { ...init });
    return agent;
  }

  call<T = PortsStatus>(cmd: string, args: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.stdin!.write(`${JSON.stringify({ id, cmd, ...args })}\n`);
    });
  }

  checkPodAddress(domain: string): Promise<PodAddressCheck> {
    return this.call<PodAddressCheck>("checkPodAddress", { domain });
  }

  private get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** SIGKILL: the crash the journal is for. */
  async kill(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.kill("SIGKILL");
    await exited;
  }

  async close(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.stdin!.end();
    await exited;
  }
}

export interface AgentHome {
  network: HomeNetwork;
  agent: PortsAgent;
  dir: string;
  close(): Promise<void>;
}

/** A home network with its own temp dir, and a ports agent on the home PC: the start of most router tests. */
export async function startAgentHome(router: Omit<HomeNetworkOptions, "dir">, init: Omit<AgentInit, "dataDir">, env: NodeJS.ProcessEnv = {}): Promise<AgentHome> {
  const dir = await tempDir();
  const network = await HomeNetwork.create({ dir: dir.path, ...router });
  const agent = await PortsAgent.start(network, { dataDir: `${dir.path}/data`, ...init }, env).catch(async (error: unknown) => {
    await network.teardown();
    await dir.cleanup();
    throw error;
  });
  return {
    network,
    agent,
    dir: dir.path,
    close: async () => {
      await agent.kill();
      await network.teardown();
      await dir.cleanup();
    },
  };
}
