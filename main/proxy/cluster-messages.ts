import type { ProxyConfig } from "./config";
import type { ListenerState } from "./engine";
import type { ProxyCounters } from "./stats";
import type { CertificatePem } from "../contracts";

/** A certificate and its private key, PEM encoded: what can cross a process boundary (a SecureContext cannot). */
export type Pem = CertificatePem;

/** Every certificate the workers serve: per name (only the names the config routes), and the default. */
export interface PemSet {
  byName: [name: string, pem: Pem][];
  default?: Pem;
}

/** What the primary tells a worker. */
export type ToWorker =
  | { type: "start"; config: ProxyConfig; pems: PemSet }
  | { type: "reload"; config: Pick<ProxyConfig, "hosts" | "passthrough">; pems: PemSet }
  | { type: "certificates"; pems: PemSet }
  /** The answer to a worker's `ask`. */
  | { type: "answer"; id: number; http01?: string; pem?: Pem }
  | { type: "close" };

/** What a worker tells the primary. */
export type FromWorker =
  /** Its code is loaded and listening for messages (an earlier message would be lost). */
  | { type: "loaded" }
  | { type: "ready"; listeners: ListenerState[] }
  | { type: "failed"; proto: "http" | "https"; port: number; code: string }
  | { type: "reloaded" }
  | { type: "stats"; counters: ProxyCounters }
  /** ACME challenges are asked for when a validator calls, never copied ahead: they are short-lived. */
  | { type: "ask"; id: number; http01?: string; tlsAlpn01?: string };
