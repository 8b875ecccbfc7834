import { request } from "node:http";

export interface HttpReply {
  status: number;
  body: string;
}

/**
 * One HTTP exchange on its own connection. Routers' tiny web servers close after each reply
 * and some mishandle keep-alive, so no connection is ever reused; `timeoutMs` bounds it all.
 */
export function httpExchange(url: string, options: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs: number }): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? "GET", headers: { Connection: "close", ...options.headers }, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, body });
      });
      res.on("error", fail);
    });
    const timer = setTimeout(() => req.destroy(Object.assign(new Error(`no answer within ${options.timeoutMs} ms`), { code: "ETIMEDOUT" })), options.timeoutMs);
    function fail(error: Error) {
      clearTimeout(timer);
      reject(error);
    }
    req.on("error", fail);
    req.end(options.body);
  });
}
