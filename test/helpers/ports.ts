import { createServer } from "node:net";

/**
 * A free TCP port on 127.0.0.1 for a server a test starts. Taken below the kernel's ephemeral
 * range (32768-60999 here), where the OS hands out ports to other tests' outgoing connections:
 * a port the test frees and binds again (a pod restarted in place) cannot be taken meanwhile.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await bindable(port)) return port;
  }
  throw new Error("no free port found between 20000 and 32000 on 127.0.0.1");
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen({ port, host: "127.0.0.1", exclusive: true }, () => server.close(() => resolve(true)));
  });
}
