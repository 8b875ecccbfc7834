import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startDdnsFixture, type DdnsFixture } from "../fixtures/ddns";
import { waitFor } from "../helpers/temp";
import { minutes, startHarness, type Harness } from "./harness";

let fixture: DdnsFixture;
let h: Harness;

afterEach(async () => {
  await h?.cleanup();
  await fixture?.close();
});

async function dyndns2(): Promise<Harness> {
  fixture = await startDdnsFixture("dyndns2");
  h = await startHarness(
    { "dns.provider": "dyndns2", "dns.name": "pod.example.org", "dns.server": fixture.baseUrl, "dns.username": "pod-user" },
    { "dns.password": "correct horse battery" },
  );
  return h;
}

describe("the update policy", () => {
  it("sends the first update, then 1,000 checks with an unchanged address send nothing", async () => {
    await dyndns2();
    expect(await h.service.check()).toMatchObject({ outcome: "accepted" });
    for (let i = 0; i < 1000; i++) {
      h.clock.advance(minutes(5));
      const result = await h.service.check();
      expect(result.outcome).toBe("skipped");
    }
    expect(fixture.requests).toHaveLength(1);
    expect(h.service.status()).toMatchObject({ state: "published", published: { ipv4: "45.77.100.4" }, message: `pod.example.org points to 45.77.100.4, this connection's address (accepted at ${new Date(h.service.status().history[0]!.at).toTimeString().slice(0, 5)}).` });
  });

  it("sends exactly one update when the address changes", async () => {
    await dyndns2();
    await h.service.check();
    h.router.address = "45.77.113.9";
    for (let i = 0; i < 10; i++) {
      h.clock.advance(minutes(5));
      await h.service.check();
    }
    expect(fixture.requests.map((r) => r.query.myip)).toEqual(["45.77.100.4", "45.77.113.9"]);
    expect(h.service.status().lastUpdate).toMatchObject({ outcome: "accepted", sent: { ipv4: "45.77.113.9" }, previous: { ipv4: "45.77.100.4" } });
    expect(h.service.status().published).toEqual({ ipv4: "45.77.113.9" });
  });

  it("stops after a fatal reply until the settings change, and says why", async () => {
    await dyndns2();
    h.secrets.set("dns.password", "a mistyped password");
    await h.configure({});
    const result = await h.service.check();
    expect(result).toMatchObject({ outcome: "stopped", answer: "badauth" });
    expect(result.message).toBe('Sent 45.77.100.4 to dyndns2 (generic) for pod.example.org; it answered "badauth" (the user name or password is wrong).');
    expect(result.next).toMatch(/stopped until you change the settings/);
    for (let i = 0; i < 20; i++) {
      h.clock.advance(minutes(5));
      await h.service.check();
    }
    await h.configure({}); // the same settings again (Host re-applies them after unrelated changes) lift nothing
    await h.service.check();
    expect(fixture.requests).toHaveLength(1);
    expect(h.service.status()).toMatchObject({ state: "failed", message: 'Updates are stopped: dyndns2 (generic) answered "badauth": the user name or password is wrong.' });
    expect((await h.service.updateNow()).message).toMatch(/^Updates are stopped: .*Nothing sent\.$/);

    h.secrets.set("dns.password", "correct horse battery"); // the user fixes the password
    await h.configure({});
    expect((await h.service.check()).outcome).toBe("accepted");
    expect(fixture.requests).toHaveLength(2);
    expect(h.service.status().state).toBe("published");
  });

  it("sends corrected credentials at once after a refusal, without the one-a-minute wait", async () => {
    await dyndns2();
    h.secrets.set("dns.password", "a mistyped password");
    await h.configure({});
    expect((await h.service.check()).answer).toBe("badauth");
    h.secrets.set("dns.password", "correct horse battery");
    await h.configure({});
    expect((await h.service.updateNow()).outcome).toBe("accepted");
    expect(fixture.requests).toHaveLength(2);
  });

  it("waits 30 minutes after a 911 before sending again", async () => {
    await dyndns2();
    fixture.setReply({ body: "911" });
    const result = await h.service.check();
    expect(result).toMatchObject({ outcome: "waiting", answer: "911", next: "podhost waits 30 minutes before trying again." });
    fixture.setReply();
    h.clock.advance(minutes(29));
    await h.service.check();
    const now = await h.service.updateNow();
    expect(now).toMatchObject({ outcome: "skipped", next: "Next try in 1 minute." });
    expect(h.service.status().state).toBe("waiting");
    expect(fixture.requests).toHaveLength(1);
    h.clock.advance(minutes(1));
    expect((await h.service.check()).outcome).toBe("accepted");
    expect(fixture.requests).toHaveLength(2);
  });

  it("backs off exponentially when the provider cannot be reached", async () => {
    await dyndns2();
    await fixture.close();
    const first = await h.service.check();
    expect(first).toMatchObject({ outcome: "retrying", next: "Trying again in 1 minute." });
    expect(first.message).toMatch(/^Could not send 45\.77\.100\.4 to dyndns2 \(generic\): could not reach 127\.0\.0\.1:\d+: ECONNREFUSED\.$/);
    const delays: string[] = [];
    for (let i = 0; i < 4; i++) {
      h.clock.advance(minutes(2 ** i) - 1000);
      expect((await h.service.check()).outcome).toBe("skipped");
      h.clock.advance(1000);
      delays.push((await h.service.check()).next);
    }
    expect(delays).toEqual(["Trying again in 2 minutes.", "Trying again in 4 minutes.", "Trying again in 8 minutes.", "Trying again in 16 minutes."]);
  });

  it("never sends more than one update a minute, even when forced", async () => {
    await dyndns2();
    await h.service.updateNow({ force: true });
    h.clock.advance(30_000);
    const second = await h.service.updateNow({ force: true });
    expect(second).toMatchObject({ outcome: "skipped", next: "Next try in 30 seconds." });
    expect(second.message).toMatch(/more than once a minute; nothing sent\.$/);
    h.clock.advance(30_000);
    expect((await h.service.updateNow({ force: true })).outcome).toBe("accepted");
    expect(fixture.requests).toHaveLength(2);
  });

  it("says so when Update now has nothing to send, and sends anyway with force", async () => {
    await dyndns2();
    await h.service.check();
    h.clock.advance(minutes(2));
    const now = await h.service.updateNow();
    expect(now).toEqual({ at: h.clock.now(), outcome: "skipped", reason: "up-to-date", message: "45.77.100.4 is already published; nothing sent.", next: "Next check in 5 minutes." });
    const forced = await h.service.updateNow({ force: true });
    expect(forced).toMatchObject({ outcome: "accepted", sent: { ipv4: "45.77.100.4" }, answer: "nochg 45.77.100.4" });
    expect(fixture.requests).toHaveLength(2);
  });

  it("keeps what the provider accepted across a restart, in <dataDir>/dns/cache.json", async () => {
    await dyndns2();
    await h.service.check();
    const service = await h.restart();
    expect(service.status()).toMatchObject({ published: { ipv4: "45.77.100.4" }, history: [{ outcome: "accepted" }] });
    h.clock.advance(minutes(5));
    expect((await service.check()).outcome).toBe("skipped");
    expect(fixture.requests).toHaveLength(1);
    const cache = JSON.parse(await readFile(join(h.dataDir, "dns", "cache.json"), "utf8")) as Record<string, unknown>;
    expect(cache.published).toEqual({ ipv4: "45.77.100.4" });
    expect(JSON.stringify(cache)).not.toContain("correct horse battery");
  });

  it("keeps a stop across a restart", async () => {
    await dyndns2();
    fixture.setReply({ body: "abuse" });
    await h.service.check();
    fixture.setReply();
    const service = await h.restart();
    h.clock.advance(minutes(5));
    expect((await service.check()).outcome).toBe("skipped");
    expect(service.status().state).toBe("failed");
    expect(fixture.requests).toHaveLength(1);
  });

  it("refreshes an unchanged address after 25 days", async () => {
    await dyndns2();
    await h.service.check();
    h.clock.advance(minutes(60 * 24 * 25) - minutes(5));
    expect((await h.service.check()).outcome).toBe("skipped");
    h.clock.advance(minutes(5));
    expect((await h.service.check()).outcome).toBe("accepted");
    expect(fixture.requests).toHaveLength(2);
  });

  it("keeps the last 20 updates in the status, newest first", async () => {
    await dyndns2();
    for (let i = 0; i < 25; i++) {
      h.router.address = `45.77.100.${i + 1}`;
      h.clock.advance(minutes(5));
      await h.service.check();
    }
    const { history, lastUpdate } = h.service.status();
    expect(history).toHaveLength(20);
    expect(history[0]?.sent).toEqual({ ipv4: "45.77.100.25" });
    expect(history[19]?.sent).toEqual({ ipv4: "45.77.100.6" });
    expect(lastUpdate).toEqual(history[0]);
  });

  it("checks on start and then every 5 minutes on its own", async () => {
    await dyndns2();
    await h.service.start();
    // The service sets its next timer once a check is done: wait for it before moving the clock.
    const advanceToNextCheck = async (ms: number) => {
      await waitFor("the next check to be scheduled", () => h.clock.pending() > 0);
      h.clock.advance(ms);
    };
    await advanceToNextCheck(0);
    await waitFor("the first update", () => h.service.status().state === "published");
    for (let i = 1; i <= 3; i++) {
      await advanceToNextCheck(minutes(5));
      await waitFor(`check ${i}`, () => h.service.status().lastCheckAt === h.clock.now());
    }
    expect(fixture.requests).toHaveLength(1);
    h.router.address = "45.77.113.9";
    await advanceToNextCheck(minutes(5));
    await waitFor("the update with the new address", () => fixture.requests.length === 2 && h.service.status().published?.ipv4 === "45.77.113.9");
  });

  it("never publishes a private address, and says what it looked for", async () => {
    await dyndns2();
    h.router.address = "192.168.1.20";
    const result = await h.service.updateNow({ force: true });
    expect(result).toMatchObject({ outcome: "skipped" });
    expect(result.message).toMatch(/^No public address was found/);
    expect(fixture.requests).toHaveLength(0);
  });

  it("shows what is missing instead of sending, and never shows secrets", async () => {
    fixture = await startDdnsFixture("dyndns2");
    h = await startHarness({ "dns.provider": "noip", "dns.name": "pod.example.org", "dns.server": fixture.baseUrl }, { "dns.token": "secret-token-that-is-unused" });
    expect(h.service.status()).toMatchObject({
      state: "not-configured",
      message: "No-IP needs the user name (dns.username), the password (secret dns.password): enter them in Settings > Domain & DNS.",
    });
    expect(await h.service.updateNow()).toMatchObject({ outcome: "skipped", message: expect.stringMatching(/^No-IP needs the user name .* Nothing sent\.$/) });
    expect(fixture.requests).toHaveLength(0);
    expect(JSON.stringify(h.service.status())).not.toContain("secret-token");
  });
});
