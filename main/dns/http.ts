export interface HttpReply {
  status: number;
  body: string;
}

export interface HttpRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs?: number;
}

export interface HttpClient {
  request(url: string, init?: HttpRequest): Promise<HttpReply>;
}

/** The server could not be reached or did not answer: the engine backs off and tries again. */
export class NetworkError extends Error {
  override readonly name = "NetworkError";
}

/** Every request carries podhost's User-Agent: dyndns2 providers block clients without one (`badagent`). */
export function createHttpClient(userAgent: string): HttpClient {
  return {
    async request(url, init = {}) {
      try {
        const response = await fetch(url, {
          method: init.method ?? "GET",
          headers: { "user-agent": userAgent, ...init.headers },
          ...(init.body !== undefined ? { body: init.body } : {}),
          redirect: "manual",
          signal: AbortSignal.timeout(init.timeoutMs ?? 20_000),
        });
        return { status: response.status, body: await response.text() };
      } catch (error) {
        throw new NetworkError(`could not reach ${new URL(url).host}: ${reason(error, init.timeoutMs ?? 20_000)}`);
      }
    },
  };
}

function reason(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && error.name === "TimeoutError") return `no answer within ${timeoutMs / 1000} seconds`;
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
}
