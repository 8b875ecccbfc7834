import { afterEach, describe, expect, it } from "vitest";
import { startDdnsFixture, type DdnsFixture } from "../fixtures/ddns";
import { podhost, servePodhost, type ServedPodhost } from "../helpers/podhost";
import { tempDir, waitFor } from "../helpers/temp";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A daemon whose dynamic DNS talks to the dyndns2 stand-in and learns its address from the echo stand-in (both on loopback). */
async function daemonWithDyndns2(password: string): Promise<{ dir: string; served: ServedPodhost; provider: DdnsFixture }> {
  const provider = await startDdnsFixture("dyndns2", { username: "pod-user", password: "correct horse battery" });
  const echo = await startDdnsFixture("echo", { address: "45.77.100.4" });
  const dir = await tempDir("podhost-dns-cli-");
  cleanups.push(() => provider.close(), () => echo.close(), dir.cleanup);
  // The generic dyndns2 provider has no default server: nothing is sent anywhere until dns.server points at the stand-in.
  for (const [key, value] of [["dns.provider", "dyndns2"], ["dns.name", "pod.example.org"], ["dns.username", "pod-user"], ["dns.password", password], ["dns.ipEchoUrl", echo.baseUrl], ["dns.server", provider.baseUrl]]) {
    expect((await podhost(dir.path, ["config", "set", key!, value!])).code).toBe(0);
  }
  const served = await servePodhost(dir.path);
  cleanups.push(() => served.stop());
  return { dir: dir.path, served, provider };
}

describe("podhost dns update: the exit code says whether the provider has the address", () => {
  it("exits 1 when the provider refuses the password (badauth), and again while updates are stopped", async () => {
    const { dir, provider } = await daemonWithDyndns2("a mistyped password");
    await waitFor("the daemon's own first update", () => provider.requests.length === 1);
    const stopped = await podhost(dir, ["dns", "update"]);
    expect(stopped.stdout).toMatch(/^Updates are stopped: dyndns2 \(generic\) answered "badauth": the user name or password is wrong\. Nothing sent\./);
    expect(stopped.code).toBe(1);
    const forced = await podhost(dir, ["dns", "update", "--force"]);
    expect(forced.code).toBe(1);
    expect(provider.requests.length).toBeLessThanOrEqual(2);
  });

  it("exits 0 when the provider has this connection's address, and 1 when the one-a-minute limit kept a forced update from being sent", async () => {
    const { dir, provider } = await daemonWithDyndns2("correct horse battery");
    await waitFor("the daemon's own first update", () => provider.requests.length === 1);
    const current = await podhost(dir, ["dns", "update"]);
    expect(current.stdout).toMatch(/^45\.77\.100\.4 is already published; nothing sent\./);
    expect(current.code).toBe(0);
    const tooSoon = await podhost(dir, ["dns", "update", "--force"]);
    expect(tooSoon.stdout).toMatch(/more than once a minute; nothing sent\./);
    expect(tooSoon.code).toBe(1);
  });
});
