import { afterEach, describe, expect, it } from "vitest";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { tempDir, waitFor } from "../helpers/temp";
import { redactSecrets } from "../../main/pod/redact";
import { testSupervisor } from "./helpers";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("pod logs", () => {
  it("rotates each process's log at the size cap and keeps at most maxFiles files", async () => {
    const dir = await tempDir("podhost-logs-");
    cleanups.push(dir.cleanup);
    const { supervisor } = testSupervisor(dir.path, { logLimits: { maxBytes: 4096, maxFiles: 3 } });
    const printer = "for (let i = 0; i < 2000; i++) console.log('line ' + i + ' ' + 'x'.repeat(40)); setInterval(() => {}, 1000)";
    await supervisor.start([{ name: "web", command: process.execPath, args: ["-e", printer], cwd: dir.path, env: { ...process.env } }]);
    const logs = join(dir.path, "logs");
    // The line that reaches the cap rotates the file after it: the last line is in the current file or the one before.
    const read = (name: string) => readFile(join(logs, name), "utf8").catch(() => "");
    await waitFor("the last line in the log", async () => `${await read("pod-web.log.1")}${await read("pod-web.log")}`.includes("line 1999 "));
    await supervisor.stop();
    supervisor.close();
    const files = (await readdir(logs)).sort();
    expect(files).toEqual(["pod-web.log", "pod-web.log.1", "pod-web.log.2"]);
    // Rotated once a write reaches the cap: a file passes it by at most the line that reached it.
    for (const file of files) expect((await stat(join(logs, file))).size).toBeLessThanOrEqual(4096 + 100);
    // Timestamped lines, oldest first across the rotated files.
    const older = await readFile(join(logs, "pod-web.log.1"), "utf8");
    expect(older).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z stdout line \d+ x+$/m);
  });

  it("forwards lines to the daemon log as pod/<name> with secrets redacted", async () => {
    const dir = await tempDir("podhost-logs-");
    cleanups.push(dir.cleanup);
    const { supervisor, bus } = testSupervisor(dir.path);
    const script = "console.log('connecting to redis://:hunter22@127.0.0.1:6379'); console.error('password=swordfish ok'); setInterval(() => {}, 1000)";
    await supervisor.start([{ name: "web", command: process.execPath, args: ["-e", script], cwd: dir.path, env: { ...process.env } }]);
    await waitFor("both lines", () => bus.tail(100).filter((l) => l.source === "pod/web").length >= 3);
    await supervisor.stop();
    supervisor.close();
    const lines = bus.tail(100).filter((l) => l.source === "pod/web");
    expect(lines.find((l) => l.text.startsWith("connecting"))?.text).toBe("connecting to redis://:[redacted]@127.0.0.1:6379");
    expect(lines.find((l) => l.text.startsWith("password"))).toMatchObject({ level: "warn", text: "password=[redacted] ok" });
    // The file is written off the event loop: wait for the lines to land rather than race them.
    const file = await waitFor("both lines in the file", async () => {
      const text = await readFile(join(dir.path, "logs", "pod-web.log"), "utf8");
      return text.includes("password=") && text;
    });
    expect(file).not.toContain("hunter22");
    expect(file).not.toContain("swordfish");
  });

  it("redacts the known secret shapes", () => {
    expect(redactSecrets("postgres://diaspora:s3cr3t@db/x")).toBe("postgres://diaspora:[redacted]@db/x");
    // A scheme is found where its run of characters starts, whatever stands before it.
    expect(redactSecrets("url=redis+tls://:pw@h (see x,https://u:p@h)")).toBe("url=redis+tls://:[redacted]@h (see x,https://u:[redacted]@h)");
    expect(redactSecrets('Authorization: Bearer abc.def')).toBe("Authorization: Bearer [redacted]");
    expect(redactSecrets('secret_key_base: "0123abcd"')).toBe('secret_key_base: "[redacted]"');
    expect(redactSecrets("token=abc&x=1")).toBe("token=[redacted]&x=1");
    expect(redactSecrets("-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----")).toBe("[redacted private key]");
    expect(redactSecrets("Listening on tcp://127.0.0.1:3000")).toBe("Listening on tcp://127.0.0.1:3000");
  });
});
