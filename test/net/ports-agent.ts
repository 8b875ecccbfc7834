/**
 * podhost's ports service in a child process, so it can run inside the test's "home"
 * namespace (`ip netns exec HOME node --import tsx ports-agent.ts`). It takes one JSON
 * command per stdin line and answers one JSON line on stdout: {id, result} or {id, error}.
 */
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import { createInterface } from "node:readline";
import type { CertsStatus } from "../../shared/certs";
import { settingsSchema } from "../../shared/settings";
import { createDoctor } from "../../main/doctor";
import { createPortsService, type PortsService } from "../../main/ports";
import { systemClock } from "../../main/service";
import { ManualClock } from "./manual-clock";

interface Command {
  id: number;
  cmd: string;
  [key: string]: unknown;
}

const clock = new ManualClock();
let service: PortsService | undefined;
let listeners = { httpsPort: 0, httpPort: 0 };
let currentPorts: unknown;

const log = {
  debug: (text: string) => process.stderr.write(`debug ${text}\n`),
  info: (text: string) => process.stderr.write(`info ${text}\n`),
  warn: (text: string) => process.stderr.write(`warn ${text}\n`),
  error: (text: string) => process.stderr.write(`error ${text}\n`),
  child: () => log,
};

async function handle(command: Command): Promise<unknown> {
  switch (command.cmd) {
    case "init": {
      // A fresh service each time (benchmarks measure discovery from scratch).
      await service?.stop();
      listeners = { httpsPort: command.httpsPort as number, httpPort: command.httpPort as number };
      currentPorts = command.ports;
      // The benchmarks' router reboot runs on real time; tests move the clock by hand.
      service = createPortsService({ ctx: { dataDir: command.dataDir as string, log, clock: command.realClock ? systemClock : clock }, proxyListeners: () => listeners });
      await service.configure(settingsSchema.parse({ domain: command.domain ?? "", ports: command.ports }));
      return service.status();
    }
    case "start":
      await service!.start();
      await service!.settled();
      return service!.status();
    case "stop":
      await service!.stop();
      return service!.status();
    case "status":
      return service!.status();
    case "advance":
      clock.advance(command.ms as number);
      await service!.settled();
      return service!.status();
    case "checkPodAddress":
      return service!.checkPodAddress(command.domain as string);
    case "doctor": {
      // The real probes from inside the home network; the DNS answer and the other services' status are the test's.
      const settings = settingsSchema.parse({ domain: command.domain, ports: currentPorts, ...(command.certs ? { certs: command.certs } : {}) });
      const doctor = createDoctor({
        settings: () => settings,
        podStatus: () => ({ state: "running", message: "The pod answers its health check." }),
        proxyListeners: () => listeners,
        portsStatus: () => service!.status(),
        proxyStatus: () => ({ state: "running", message: "The proxy listens." }),
        certsStatus: () => (command.certsStatus as CertsStatus | undefined) ?? { state: "valid", message: "A certificate from podhost's own CA.", mode: "local" },
        dnsStatus: () => ({ state: "off", message: "Dynamic DNS is off.", history: [] }),
        probes: { resolve: async () => command.resolvesTo as string[] },
      });
      return doctor.run();
    }
    case "externalIp":
      return (await service!.router.externalIp()) ?? null;
    case "serve": {
      // Stands in for the proxy: answers every connection with one line.
      const server = createServer((socket) => socket.end("podhost-proxy\n"));
      await new Promise<void>((resolve) => server.listen(command.port as number, "0.0.0.0", resolve));
      return null;
    }
    case "serveTls": {
      // Stands in for the proxy's HTTPS port: a real TLS server with the test's certificate.
      const server = createTlsServer({ cert: readFileSync(command.cert as string), key: readFileSync(command.key as string) }, (socket) => socket.end("podhost-proxy\n"));
      await new Promise<void>((resolve) => server.listen(command.port as number, "0.0.0.0", resolve));
      return null;
    }
    default:
      throw new Error(`unknown command ${command.cmd}`);
  }
}

createInterface({ input: process.stdin }).on("line", (line) => {
  const command = JSON.parse(line) as Command;
  handle(command).then(
    (result) => process.stdout.write(`${JSON.stringify({ id: command.id, result })}\n`),
    (error: unknown) => process.stdout.write(`${JSON.stringify({ id: command.id, error: error instanceof Error ? error.stack : String(error) })}\n`),
  );
});
process.stdin.on("end", () => process.exit(0));
