import { request, type ClientRequest } from "node:http";
import { createParser } from "eventsource-parser";
import type { StatusAt, StreamEvent } from "../../shared/events";
import type { ServedPodhost } from "../helpers/podhost";

/**
 * A bare follower of a real daemon's `/api/events`, over plain HTTP with the token: what a
 * third-party script would write. Deliberately not podhost's own client, so the daemon's wire
 * format is what is tested.
 */
export interface RawStream {
  events: StreamEvent[];
  /** Resolves when the daemon ended the stream (or cut the connection). */
  ended: Promise<void>;
  /** Cut the connection from this side, as a dropped network would. */
  cut(): void;
  request: ClientRequest;
}

export function openStream(served: ServedPodhost, query: string, headers: Record<string, string> = {}): Promise<RawStream> {
  const url = new URL(`/api/events${query}`, served.origin);
  const events: StreamEvent[] = [];
  const parser = createParser({ onEvent: (message) => events.push(JSON.parse(message.data) as StreamEvent) });
  return new Promise((resolve, reject) => {
    let endedResolve: () => void = () => undefined;
    const ended = new Promise<void>((r) => (endedResolve = r));
    const req = request(url, { headers: { Authorization: `Bearer ${served.token}`, Accept: "text/event-stream", ...headers } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`/api/events answered ${res.statusCode}`));
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => parser.feed(chunk));
      res.on("close", endedResolve);
      resolve({ events, ended, cut: () => req.destroy(), request: req });
    });
    req.on("error", () => endedResolve());
    req.end();
  });
}

/** GET or POST the control API with the token (and the Origin a browser would send for a POST). */
export async function api<T>(served: ServedPodhost, path: string, body?: unknown): Promise<{ status: number; json: T }> {
  const response = await fetch(new URL(path, served.origin), {
    method: body === undefined ? "GET" : "POST",
    headers: { Authorization: `Bearer ${served.token}`, ...(body === undefined ? {} : { "Content-Type": "application/json", Origin: served.origin }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as T };
}

export const statusAt = async (served: ServedPodhost) => (await api<StatusAt>(served, "/api/status")).json;

export const setting = (served: ServedPodhost, changes: Record<string, unknown>) => api<{ revision: string }>(served, "/api/settings.set", { changes });
