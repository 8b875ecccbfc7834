import { connect, type Socket } from "node:net";
import { upstreamLabel, type ProxyLimits, type Upstream } from "./config";

/** Keep-alive connections idle longer than this are closed (the app may close them first). */
const idleUpstreamMs = 30_000;

/**
 * Every upstream socket reads into this one buffer (no allocation per read); whatever must
 * outlive a read callback is copied out of it.
 */
const readBuffer = Buffer.allocUnsafe(64 * 1024);

/** One keep-alive pool per upstream: the backend sees at most `upstreamConnections` connections. */
export class UpstreamPools {
  private readonly pools = new Map<string, UpstreamPool>();
  /** The pool of each route's upstream object, so the per-request lookup builds no string. */
  private byUpstream = new WeakMap<Upstream, UpstreamPool>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly limits: ProxyLimits) {
    this.sweeper = setInterval(() => {
      const now = Date.now();
      for (const pool of this.pools.values()) pool.closeIdle(now - idleUpstreamMs);
    }, idleUpstreamMs / 3);
    this.sweeper.unref();
  }

  get(upstream: Upstream): UpstreamPool {
    const known = this.byUpstream.get(upstream);
    if (known) return known;
    const key = upstreamLabel(upstream);
    let pool = this.pools.get(key);
    if (!pool) this.pools.set(key, (pool = new UpstreamPool(upstream, this.limits)));
    this.byUpstream.set(upstream, pool);
    return pool;
  }

  /** Close the pools of upstreams no longer routed to (their requests in flight finish first). */
  retain(upstreams: Upstream[]): void {
    const keep = new Set(upstreams.map(upstreamLabel));
    for (const [key, pool] of this.pools) {
      if (keep.has(key)) continue;
      this.pools.delete(key);
      pool.retire();
    }
    this.byUpstream = new WeakMap();
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const pool of this.pools.values()) pool.destroy();
    this.pools.clear();
    this.byUpstream = new WeakMap();
  }
}

/** What the pool needs from an exchange that uses its connections. */
export interface UpstreamUser {
  /** Who is asking: the pool gives each address no more than its fair share. */
  readonly clientKey: string;
  attach(connection: UpstreamConnection): void;
  /** Bytes from the upstream (in a buffer that is reused after this returns). */
  received(buffer: Buffer, bytes: number): void;
  upstreamEnded(): void;
  upstreamFailed(error: Error & { code?: string }): void;
}

/**
 * Keep-alive connections to one upstream, at most `upstreamConnections` open. When all are busy,
 * exchanges wait, and a released connection goes to the address holding the fewest, so one
 * address (one attacker) can't crowd out every other visitor; no address holds more than a
 * quarter of the pool at once.
 */
export class UpstreamPool {
  private readonly idle: UpstreamConnection[] = [];
  /** Waiting exchanges by client address, each list first come first served. */
  private readonly waiting = new Map<string, UpstreamUser[]>();
  private readonly open = new Set<UpstreamConnection>();
  /** Connections in use by each client address. */
  private readonly holding = new Map<string, number>();
  private readonly fairShare: number;
  private retired = false;

  constructor(
    readonly upstream: Upstream,
    private readonly limits: ProxyLimits,
  ) {
    this.fairShare = Math.max(1, Math.floor(limits.upstreamConnections / 4));
  }

  /** Give `user` a connection: an idle one, a new one, or the next one released. */
  acquire(user: UpstreamUser, fresh = false): void {
    if ((this.holding.get(user.clientKey) ?? 0) >= this.fairShare) return this.enqueue(user);
    const reused = fresh ? undefined : this.idle.pop();
    if (reused) return this.give(user, reused);
    if (this.open.size < this.limits.upstreamConnections) return this.give(user, this.connect(false));
    this.enqueue(user);
  }

  /**
   * A connection of its own for one exchange, outside the pool (a WebSocket upgrade: if the
   * upstream agrees, it becomes a tunnel, which must not hold one of the pool's places).
   */
  dedicated(user: UpstreamUser): void {
    const connection = this.connect(true);
    connection.give(user);
    user.attach(connection);
  }

  /** An exchange that no longer wants a connection (its client left while it waited). */
  forget(user: UpstreamUser): void {
    const queue = this.waiting.get(user.clientKey);
    const at = queue ? queue.indexOf(user) : -1;
    if (at < 0) return;
    queue!.splice(at, 1);
    if (queue!.length === 0) this.waiting.delete(user.clientKey);
  }

  release(connection: UpstreamConnection): void {
    this.letGo(connection);
    if (this.retired || connection.dedicated) return void connection.socket.destroy();
    connection.idleSince = Date.now();
    const next = this.nextWaiting();
    if (next) this.give(next, connection);
    else this.idle.push(connection);
  }

  /** A connection closed or was given up: its place goes to the next waiting exchange. */
  dropped(connection: UpstreamConnection): void {
    this.letGo(connection);
    if (!this.open.delete(connection)) return;
    const at = this.idle.indexOf(connection);
    if (at >= 0) this.idle.splice(at, 1);
    const next = this.nextWaiting();
    if (next) this.give(next, this.connect(false));
  }

  /** No longer routed to: idle connections close now, busy ones when their exchange ends. */
  retire(): void {
    this.retired = true;
    this.closeIdle(Infinity);
  }

  closeIdle(before: number): void {
    for (const connection of this.idle.filter((c) => c.idleSince < before)) connection.socket.destroy();
  }

  destroy(): void {
    for (const connection of this.open) connection.socket.destroy();
  }

  private enqueue(user: UpstreamUser): void {
    const queue = this.waiting.get(user.clientKey);
    if (queue) queue.push(user);
    else this.waiting.set(user.clientKey, [user]);
  }

  /** The first waiting exchange of the address that holds the fewest connections (below its fair share). */
  private nextWaiting(): UpstreamUser | undefined {
    let best: string | undefined;
    let fewest = this.fairShare;
    for (const key of this.waiting.keys()) {
      const held = this.holding.get(key) ?? 0;
      if (held < fewest) {
        best = key;
        fewest = held;
        if (held === 0) break;
      }
    }
    if (best === undefined) return undefined;
    const queue = this.waiting.get(best)!;
    const next = queue.shift()!;
    if (queue.length === 0) this.waiting.delete(best);
    return next;
  }

  private give(user: UpstreamUser, connection: UpstreamConnection): void {
    this.holding.set(user.clientKey, (this.holding.get(user.clientKey) ?? 0) + 1);
    connection.holder = user.clientKey;
    connection.give(user);
    user.attach(connection);
  }

  /** The connection's address no longer holds it. */
  private letGo(connection: UpstreamConnection): void {
    const key = connection.holder;
    connection.exchange = undefined;
    if (key === undefined) return;
    connection.holder = undefined;
    const held = (this.holding.get(key) ?? 1) - 1;
    if (held > 0) this.holding.set(key, held);
    else this.holding.delete(key);
  }

  private connect(dedicated: boolean): UpstreamConnection {
    const connection = new UpstreamConnection(this, this.upstream, this.limits.upstreamConnectTimeoutMs, dedicated);
    if (!dedicated) this.open.add(connection);
    return connection;
  }
}

export class UpstreamConnection {
  readonly socket: Socket;
  exchange: UpstreamUser | undefined;
  /** The client address using it, while one does. */
  holder: string | undefined;
  connected = false;
  /** Exchanges this connection has carried (a reused one may have been closed by the app meanwhile). */
  uses = 0;
  idleSince = 0;

  constructor(
    private readonly pool: UpstreamPool,
    upstream: Upstream,
    connectTimeoutMs: number,
    /** Outside the pool, never reused: it reads into buffers of its own so it can become a tunnel. */
    readonly dedicated: boolean,
  ) {
    const onread = dedicated ? undefined : { buffer: readBuffer, callback: (bytes: number) => this.received(readBuffer, bytes) };
    const socket = "socketPath" in upstream ? connect({ path: upstream.socketPath, onread }) : connect({ host: upstream.host, port: upstream.port, onread, noDelay: true });
    if (dedicated) socket.on("data", (chunk: Buffer) => this.received(chunk, chunk.length));
    this.socket = socket;
    socket.setTimeout(connectTimeoutMs, () => socket.destroy(Object.assign(new Error("connect timeout"), { code: "ETIMEDOUT" })));
    socket.once("connect", () => {
      this.connected = true;
      socket.setTimeout(0);
    });
    socket.on("error", (error: Error & { code?: string }) => this.exchange?.upstreamFailed(error));
    socket.on("end", () => this.exchange?.upstreamEnded());
    socket.once("close", () => {
      const exchange = this.exchange;
      pool.dropped(this);
      exchange?.upstreamFailed(Object.assign(new Error("closed"), { code: "ECONNRESET" }));
    });
  }

  /** true: keep reading (backpressure pauses the socket itself). */
  private received(buffer: Buffer, bytes: number): boolean {
    // Bytes on an idle connection: the app spoke out of turn, so the connection can't be trusted.
    if (this.exchange) this.exchange.received(buffer, bytes);
    else this.socket.destroy();
    return true;
  }

  give(user: UpstreamUser): void {
    this.exchange = user;
    this.uses++;
  }

  release(): void {
    this.pool.release(this);
  }

  /** The socket, for a tunnel: this connection lets go of it and forgets it. */
  takeSocket(): Socket {
    this.exchange = undefined;
    this.socket.removeAllListeners("data");
    this.socket.removeAllListeners("end");
    this.socket.removeAllListeners("error");
    this.socket.removeAllListeners("close");
    this.socket.removeAllListeners("timeout");
    return this.socket;
  }
}

export function describeNetError(error: Error & { code?: string }): string {
  switch (error.code) {
    case "ECONNREFUSED":
      return "nothing is listening there (connection refused)";
    case "ENOENT":
      return "the socket file does not exist";
    case "ETIMEDOUT":
      return "the connection timed out";
    case "EHOSTUNREACH":
      return "the host is unreachable";
    case "ECONNRESET":
    case "EPIPE":
      return "the connection was closed before an answer";
    default:
      return error.message;
  }
}
