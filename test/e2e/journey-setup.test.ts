import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { repoRoot } from "../helpers/podhost";
import { domain, duckName, duckToken, httpsGet, standInPod, startJourneyWorld, type JourneyWorld } from "./journey-world";

let world: JourneyWorld;

beforeAll(async () => {
  world = await startJourneyWorld({ browser: false });
}, 120_000);
afterAll(async () => {
  await world?.close();
}, 120_000);

/** `podhost setup` as a script would run it: flags, and answers piped to stdin. */
function setup(flags: string[], answers?: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return setupIn(world, flags, answers);
}

function setupIn(target: JourneyWorld, flags: string[], answers?: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [join(repoRoot, "bin", "podhost.js"), "--data-dir", target.dataDir, "setup", ...flags], { stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  child.stdin.end(answers ? `${answers.join("\n")}\n` : "");
  return new Promise((resolve) => child.once("exit", (code) => resolve({ code, stdout, stderr })));
}

// The loopback servers are always flags, so nothing can reach a real provider or CA.
const loopbackFlags = () => ["--dns-server", world.duck.baseUrl, "--ip-echo-url", world.echo.baseUrl, "--acme-directory", world.pebble.directoryUrl, "--acme-challenge", "http-01", "--https-port", String(world.ports.https), "--http-port", String(world.ports.http)];

describe("the setup journey through `podhost setup`, with no desktop", () => {
  it("answered only by flags, stops at the name when DuckDNS refuses the token, and leaves dynamic DNS off", async () => {
    world.duck.setReply({ body: "KO" });
    const podFlags = ["--pod-command", process.execPath, "--pod-arg", standInPod, "--pod-arg", "--port", "--pod-arg", String(world.ports.pod), "--pod-port", String(world.ports.pod), "--pod-health-url", ""];
    const result = await setup(["--usage", "dedicated", ...podFlags, "--dns-provider", "duckdns", "--dns-name", duckName, "--dns-token", "wrong", "--reach", "manual", "--cert", "acme", "--yes", ...loopbackFlags()]);
    world.duck.setReply();
    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(result.stderr).toContain("Step 3/6 The name");
    expect(result.stderr).toContain("KO");
    expect(result.stdout).not.toContain("4/6 Reachability");
    expect(await world.config("dns.provider")).toBe("none");
    expect((await world.status()).pod.state).not.toBe("running");
  });

  // The first test's token was refused, so the corrected one is sent at once (a refusal does not count toward the one-a-minute rule).
  it("answered on stdin, runs every step and ends with the pod answering at its name with pebble's certificate", { timeout: 180_000 }, async () => {
    const answers = ["dedicated", "custom", process.execPath, `${standInPod} --port ${world.ports.pod}`, String(world.ports.pod), `http://127.0.0.1:${world.ports.pod}/nodeinfo/2.1`, "duckdns", duckName, duckToken, "manual", "acme", "yes"];
    const result = await setup(loopbackFlags(), answers);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    for (const title of ["1/6 How this PC is used", "2/6 The pod", "3/6 The name", "4/6 Reachability", "5/6 Certificate", "6/6 Review and start"]) expect(result.stdout).toContain(title);
    expect(result.stdout).toContain(`The pod's permanent address: https://${domain}/`);
    expect(result.stdout).toContain(`alice@${domain}`);
    // The last word is the doctor's: on loopback the name points at this PC, not at a public address.
    expect(result.stdout).toContain(`Your pod is running, reachable on this network only: https://${domain}/\n   DNS name: ${domain} resolves to 127.0.0.1, in the loopback range`);
    expect(result.stdout).not.toContain("Your pod is on the internet");
    const status = await world.status();
    expect(status.certs.certificate?.source).toBe("acme");
    const nodeinfo = await httpsGet(world.ports.https, "/.well-known/nodeinfo", await world.pebble.rootPem());
    expect(nodeinfo.status).toBe(200);
  });

  it("with the local CA and no dynamic DNS, ends with 'reachable on this network only' and the reason", { timeout: 180_000 }, async () => {
    const fresh = await startJourneyWorld({ browser: false });
    const podFlags = ["--pod-command", process.execPath, "--pod-arg", standInPod, "--pod-arg", "--port", "--pod-arg", String(fresh.ports.pod), "--pod-port", String(fresh.ports.pod), "--pod-health-url", ""];
    try {
      const result = await setupIn(fresh, ["--usage", "network", ...podFlags, "--dns-provider", "own", "--domain", domain, "--reach", "manual", "--cert", "local", "--yes", "--https-port", String(fresh.ports.https), "--http-port", String(fresh.ports.http)]);
      expect(result.code, result.stdout + result.stderr).toBe(0);
      expect(result.stdout).toContain(`Your pod is running, reachable on this network only: https://${domain}/`);
      expect((await fresh.status()).pod.state).toBe("running");
    } finally {
      await fresh.close();
    }
  });
});
