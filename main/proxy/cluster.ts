import cluster, { type Worker } from "node:cluster";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { CertificateSource } from "../contracts";
import type { ProxyConfig } from "./config";
import type { FromWorker, Pem, PemSet, ToWorker } from "./cluster-messages";
import { ListenError, type EngineCertificates, type ListenerState, type ProxyEngine } from "./engine";
import { sumCounters, type ProxyCounters } from "./stats";

/** A certificate source that can share its certificates with worker processes, as PEM. */
export type CertificatePems = Required<Pick<CertificateSource, "pemFor" | "defaultPem" | "tlsAlpn01Pem">>;

export function sharesPems(source: EngineCertificates): source is EngineCertificates & CertificatePems {
  const pems = source as Partial<CertificatePems>;
  return typeof pems.pemFor === "function" && typeof pems.defaultPem === "function" && typeof pems.tlsAlpn01Pem === "function";
}

/** The worker entry next to this module: TypeScript when run from source, the bundle's own file when built. */
export function workerScript(): string | undefined {
  const candidates = ["./worker-main.ts", "./proxy-worker.js", "../proxy-worker.js"].map((path) => fileURLToPath(new URL(path, import.meta.url)));
  return candidates.find((path) => existsSync(path));
}

/** A worker that dies this soon after it started is restarted after a pause, not in a tight loop. */
const quickDeathMs = 2000;
const restartPauseMs = 1000;
const closeGraceMs = 5000;

interface WorkerSlot {
  worker: Worker;
  startedAt: number;
  counters?: ProxyCounters;
}

/**
 * The proxy in `workers` processes (node:cluster). The kernel spreads new connections over
 * the workers (SCHED_NONE: no hand-off through this process); this process holds the
 * certificate source, sends every worker the PEMs at start and on each renewal, answers ACME
 * challenge questions, restarts a worker that dies, and adds up their counters.
 */
export async function startProxyCluster(config: ProxyConfig, certificates: EngineCertificates & CertificatePems, workers: number, script: string): Promise<ProxyEngine> {
  let current: Pick<ProxyConfig, "hosts" | "passthrough"> = config;
  let closing = false;
  /** Set once every first worker listens: from then on, a worker that dies is replaced. */
  let running = false;
  let listeners: ListenerState[] = [];
  const slots = new Set<WorkerSlot>();
  /** Totals of workers that are gone, so restarts don't make the request count go backwards. */
  let retired = { requests: 0, upstreamErrors: 0 };
  const pauses = new Set<NodeJS.Timeout>();

  const pemSet = (): PemSet => {
    const names = current.hosts.flatMap((site) => [...site.names, ...(site.redirectNames ?? [])]);
    const byName: [string, Pem][] = [];
    for (const name of new Set(names)) {
      const pem = certificates.pemFor(name);
      if (pem) byName.push([name, pem]);
    }
    const fallback = certificates.defaultPem();
    return { byName, ...(fallback ? { default: fallback } : {}) };
  };
  const answer = async (question: Extract<FromWorker, { type: "ask" }>): Promise<ToWorker> => {
    const http01 = question.http01 === undefined ? undefined : await certificates.http01Response(question.http01);
    const pem = question.tlsAlpn01 === undefined ? undefined : certificates.tlsAlpn01Pem(question.tlsAlpn01);
    return { type: "answer", id: question.id, ...(http01 !== undefined ? { http01 } : {}), ...(pem ? { pem } : {}) };
  };
  const send = (slot: WorkerSlot, message: ToWorker) => {
    if (slot.worker.isConnected()) slot.worker.send(message);
  };

  cluster.schedulingPolicy = cluster.SCHED_NONE;
  const execArgv = script.endsWith(".ts") && !process.execArgv.some((arg) => arg.includes("tsx")) ? [...process.execArgv, "--import", "tsx"] : process.execArgv;
  cluster.setupPrimary({ exec: script, execArgv, args: [] });
  // Inside Electron, process.execPath is the Electron binary: it runs a script only when told to act as Node.
  const workerEnv = process.versions.electron ? { ELECTRON_RUN_AS_NODE: "1" } : undefined;

  /** Fork one worker; resolves when it listens, rejects with its ListenError. */
  const fork = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const slot: WorkerSlot = { worker: cluster.fork(workerEnv), startedAt: Date.now() };
      slots.add(slot);
      let started = false;
      slot.worker.on("message", (message: FromWorker) => {
        switch (message.type) {
          case "loaded":
            return send(slot, { type: "start", config: { ...config, ...current, workers: 1 }, pems: pemSet() });
          case "ready":
            started = true;
            listeners = message.listeners;
            return resolve();
          case "failed":
            return reject(new ListenError(message.proto, message.port, message.code));
          case "stats":
            slot.counters = message.counters;
            return;
          case "ask":
            return void answer(message).then((reply) => send(slot, reply));
          case "reloaded":
            slot.worker.emit("podhost:reloaded");
            return;
        }
      });
      slot.worker.on("error", () => {}); // a failed send to a dying worker: its exit handler cleans up
      slot.worker.once("exit", (code, signal) => {
        slots.delete(slot);
        retired = { requests: retired.requests + (slot.counters?.requests ?? 0), upstreamErrors: retired.upstreamErrors + (slot.counters?.upstreamErrors ?? 0) };
        if (!started) reject(new Error(`A proxy worker exited before it listened (${signal ?? `code ${code}`}).`));
        if (!running || closing) return;
        const restart = () => void fork().catch(() => {}); // a replacement that fails is replaced again by its own exit
        if (started && Date.now() - slot.startedAt >= quickDeathMs) return restart();
        const pause = setTimeout(() => {
          pauses.delete(pause);
          if (!closing) restart();
        }, restartPauseMs);
        pauses.add(pause);
      });
    });

  const close = async () => {
    closing = true;
    for (const pause of pauses) clearTimeout(pause);
    stopWatchingRenewals();
    await Promise.all(
      [...slots].map(
        (slot) =>
          new Promise<void>((resolve) => {
            if (slot.worker.isDead()) return resolve();
            const kill = setTimeout(() => slot.worker.process.kill("SIGKILL"), closeGraceMs);
            slot.worker.once("exit", () => {
              clearTimeout(kill);
              resolve();
            });
            send(slot, { type: "close" });
          }),
      ),
    );
  };

  const stopWatchingRenewals = certificates.onRenewed(() => {
    const pems = pemSet();
    for (const slot of slots) send(slot, { type: "certificates", pems });
  });
  try {
    await Promise.all(Array.from({ length: workers }, fork));
    running = true;
  } catch (error) {
    await close();
    throw error;
  }

  return {
    listeners: () => [...listeners],
    workers: () => slots.size,
    stats: () => sumCounters([...slots].map((slot) => slot.counters).filter((c): c is ProxyCounters => c !== undefined), retired),
    async reload(next) {
      current = { hosts: next.hosts, passthrough: next.passthrough };
      const pems = pemSet();
      await Promise.all(
        [...slots].map(
          (slot) =>
            new Promise<void>((resolve) => {
              if (!slot.worker.isConnected()) return resolve();
              slot.worker.once("podhost:reloaded", resolve);
              slot.worker.once("exit", resolve);
              send(slot, { type: "reload", config: current, pems });
            }),
        ),
      );
    },
    close,
  };
}
