import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";
import type { PodAddressCheck, PortsSettings, PortsStatus } from "../../shared/ports";
import type { HomeNetwork } from "./harness";

const agentPath = fileURLToPath(new URL("./ports-agent.ts", import.meta.url));

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
  static async start(network: HomeNetwork, init: { dataDir: string; httpsPort: number; httpPort: number; ports: Partial<PortsSettings>; domain?: string }, env: NodeJS.ProcessEnv = {}): Promise<PortsAgent> {
    const child = network.spawn(network.home, process.execPath, ["--import", "tsx", agentPath], env);
    const agent = new PortsAgent(child);
    await agent.call("init", init);
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
