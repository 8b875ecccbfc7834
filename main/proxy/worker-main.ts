/**
 * A proxy worker process (started by cluster.ts): the same engine as in-process, with
 * certificates built from the PEMs the primary sends and ACME challenges asked of the primary.
 */
import { createSecureContext, type SecureContext } from "node:tls";
import type { FromWorker, Pem, PemSet, ToWorker } from "./cluster-messages";
import { ListenError, startProxy, type EngineCertificates, type ProxyEngine } from "./engine";

/** How often the primary hears this worker's counters (the status page refreshes every few seconds). */
const statsEveryMs = 1000;

const tell = (message: FromWorker, then?: () => void) => process.send?.(message, undefined, {}, then);

/** Certificates as the primary last sent them; one SecureContext per distinct certificate. */
class PushedCertificates implements EngineCertificates {
  private byName = new Map<string, SecureContext>();
  private fallback: SecureContext | undefined;
  private readonly listeners = new Set<() => void>();
  private readonly questions = new Map<number, (answer: Extract<ToWorker, { type: "answer" }>) => void>();
  private nextQuestion = 1;

  update(pems: PemSet): void {
    const built = new Map<string, SecureContext>();
    const contextOf = (pem: Pem) => {
      let context = built.get(pem.cert);
      if (!context) built.set(pem.cert, (context = createSecureContext(pem)));
      return context;
    };
    this.byName = new Map(pems.byName.map(([name, pem]) => [name, contextOf(pem)]));
    this.fallback = pems.default && contextOf(pems.default);
    for (const listener of this.listeners) listener();
  }

  answered(answer: Extract<ToWorker, { type: "answer" }>): void {
    this.questions.get(answer.id)?.(answer);
    this.questions.delete(answer.id);
  }

  contextFor(servername: string) {
    return this.byName.get(servername);
  }
  defaultContext() {
    return this.fallback;
  }
  async http01Response(token: string) {
    return (await this.ask({ http01: token })).http01;
  }
  async tlsAlpn01Context(servername: string) {
    const pem = (await this.ask({ tlsAlpn01: servername })).pem;
    return pem && createSecureContext(pem);
  }
  onRenewed(listener: () => void) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private ask(question: { http01?: string; tlsAlpn01?: string }): Promise<Extract<ToWorker, { type: "answer" }>> {
    const id = this.nextQuestion++;
    return new Promise((resolve) => {
      this.questions.set(id, resolve);
      tell({ type: "ask", id, ...question });
    });
  }
}

const certificates = new PushedCertificates();
let engine: ProxyEngine | undefined;

process.on("message", (message: ToWorker) => {
  switch (message.type) {
    case "start":
      certificates.update(message.pems);
      startProxy(message.config, certificates).then(
        (started) => {
          engine = started;
          tell({ type: "ready", listeners: started.listeners() });
          tell({ type: "stats", counters: started.stats() });
          setInterval(() => tell({ type: "stats", counters: started.stats() }), statsEveryMs).unref();
        },
        (error: unknown) => {
          if (error instanceof ListenError) tell({ type: "failed", proto: error.proto, port: error.port, code: error.code }, () => process.exit(1));
          else throw error;
        },
      );
      return;
    case "reload":
      certificates.update(message.pems);
      void engine?.reload(message.config).then(() => tell({ type: "reloaded" }));
      return;
    case "certificates":
      return certificates.update(message.pems);
    case "answer":
      return certificates.answered(message);
    case "close":
      void (engine?.close() ?? Promise.resolve()).finally(() => process.exit(0));
      return;
  }
});
tell({ type: "loaded" });
