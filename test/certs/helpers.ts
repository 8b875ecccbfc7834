import { connect, type TLSSocket } from "node:tls";
import { LogBus } from "../../main/log";
import type { Clock, ServiceContext } from "../../main/service";
import { defaultSettings, type Settings } from "../../shared/settings";

/** A clock the test moves by hand; due timers fire on `advance`. */
export class ManualClock implements Clock {
  private timers: Array<{ at: number; fn: () => void; cancelled: boolean }> = [];
  constructor(private current: number) {}
  now(): number {
    return this.current;
  }
  setTimeout(fn: () => void, ms: number) {
    const timer = { at: this.current + ms, fn, cancelled: false };
    this.timers.push(timer);
    return { cancel: () => void (timer.cancelled = true) };
  }
  advance(ms: number): void {
    this.current += ms;
    const due = this.timers.filter((t) => !t.cancelled && t.at <= this.current);
    this.timers = this.timers.filter((t) => !due.includes(t));
    for (const timer of due) timer.fn();
  }
}

export function testContext(dataDir: string, clock: Clock): ServiceContext & { logs: LogBus } {
  const logs = new LogBus();
  return { dataDir, clock, log: logs.logger("certs"), logs };
}

export function settingsWith(patch: { domain?: string; certs?: Partial<Settings["certs"]> & { acme?: Partial<Settings["certs"]["acme"]> } }): Settings {
  const base = defaultSettings();
  return { ...base, domain: patch.domain ?? base.domain, certs: { ...base.certs, ...patch.certs, acme: { ...base.certs.acme, ...patch.certs?.acme } } };
}

/** A TLS connection that verifies against `ca` only; resolves once the handshake is done. */
export function connectTls(port: number, servername: string, ca: string | string[]): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port, servername, ca, ALPNProtocols: ["http/1.1"] }, () => resolve(socket));
    socket.once("error", reject);
  });
}

/** Send a line and wait for the echo. */
export function echo(socket: TLSSocket, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let received = "";
    const onData = (chunk: Buffer) => {
      received += chunk.toString();
      if (received.length >= text.length) {
        socket.off("data", onData);
        resolve(received);
      }
    };
    socket.on("data", onData);
    socket.once("error", reject);
    socket.write(text);
  });
}
