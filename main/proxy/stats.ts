/** Counters the status page shows; cheap enough to bump on every request. */
export interface ProxyCounters {
  requests: number;
  requestsPerSecond: number;
  openConnections: number;
  upstreamErrors: number;
  lastErrors: { time: number; text: string }[];
}

const windowSeconds = 10;
const keptErrors = 5;

export class Stats {
  requests = 0;
  upstreamErrors = 0;
  openConnections = 0;
  private readonly lastErrors: { time: number; text: string }[] = [];
  /** Request totals sampled once a second, for a rolling rate. */
  private readonly samples: number[] = [];
  private readonly ticker: NodeJS.Timeout;

  constructor() {
    this.ticker = setInterval(() => {
      this.samples.push(this.requests);
      if (this.samples.length > windowSeconds + 1) this.samples.shift();
    }, 1000);
    this.ticker.unref();
  }

  error(text: string): void {
    this.lastErrors.push({ time: Date.now(), text });
    if (this.lastErrors.length > keptErrors) this.lastErrors.shift();
  }

  snapshot(): ProxyCounters {
    const oldest = this.samples[0] ?? this.requests;
    const seconds = Math.max(1, this.samples.length);
    return {
      requests: this.requests,
      requestsPerSecond: Math.round((this.requests - oldest) / seconds),
      openConnections: this.openConnections,
      upstreamErrors: this.upstreamErrors,
      lastErrors: [...this.lastErrors],
    };
  }

  stop(): void {
    clearInterval(this.ticker);
  }
}

/** The counters of several worker processes as one; `retired` holds the totals of workers that are gone. */
export function sumCounters(parts: ProxyCounters[], retired: { requests: number; upstreamErrors: number }): ProxyCounters {
  const total: ProxyCounters = { requests: retired.requests, requestsPerSecond: 0, openConnections: 0, upstreamErrors: retired.upstreamErrors, lastErrors: [] };
  for (const part of parts) {
    total.requests += part.requests;
    total.requestsPerSecond += part.requestsPerSecond;
    total.openConnections += part.openConnections;
    total.upstreamErrors += part.upstreamErrors;
    total.lastErrors.push(...part.lastErrors);
  }
  total.lastErrors = total.lastErrors.sort((a, b) => a.time - b.time).slice(-keptErrors);
  return total;
}
