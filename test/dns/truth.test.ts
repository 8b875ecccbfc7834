import { afterEach, describe, expect, it } from "vitest";
import { notificationsFor } from "../../main/electron/notifications";
import { startDdnsFixture, type DdnsFixture } from "../fixtures/ddns";
import { snapshotWith } from "../helpers/snapshot";
import { waitFor } from "../helpers/temp";
import { minutes, startHarness, type Harness } from "./harness";

let fixture: DdnsFixture;
let h: Harness;

afterEach(async () => {
  await h?.cleanup();
  await fixture?.close();
});

const hhmm = (ms: number) => new Date(ms).toTimeString().slice(0, 5);

async function dyndns2(): Promise<Harness> {
  fixture = await startDdnsFixture("dyndns2");
  h = await startHarness({ "dns.provider": "dyndns2", "dns.name": "pod.example.org", "dns.server": fixture.baseUrl, "dns.username": "pod-user" }, { "dns.password": "correct horse battery" });
  return h;
}

/** The service's own timer runs checks: wait until it has set its next one before moving the clock. */
async function advanceTimers(ms: number): Promise<void> {
  await waitFor("the next check to be scheduled", () => h.clock.pending() > 0);
  h.clock.advance(ms);
}

/** The service on its own timer has published 45.77.100.4; now the address is 45.77.113.9 and the provider answers HTTP 500. */
async function runningWithNewAddressAndFailingProvider(): Promise<void> {
  await dyndns2();
  await h.service.start();
  await advanceTimers(0);
  await waitFor("the first update", () => h.service.status().state === "published");
  fixture.setReply({ status: 500, body: "internal error" });
  h.router.address = "45.77.113.9";
}

describe("the Domain card says only what is true", () => {
  it("shows ✓ 'points to A' only while A is this connection's address; after a failed update it says what failed, when, and where the name points", async () => {
    await dyndns2();
    await h.service.check();
    const published = h.service.status();
    expect(published).toMatchObject({ state: "published", published: { ipv4: "45.77.100.4" } });

    h.router.address = "45.77.113.9";
    fixture.setReply({ status: 500, body: "internal error" });
    h.clock.advance(minutes(5));
    const failed = await h.service.check();
    expect(failed).toMatchObject({ outcome: "retrying", next: "Trying again in 1 minute." });
    const status = h.service.status();
    expect(status.state).toBe("failed");
    expect(status.message).toBe(
      `The update to 45.77.113.9 failed at ${hhmm(failed.at)}: Sent 45.77.113.9 to dyndns2 (generic) for pod.example.org; it answered "HTTP 500" (the provider's server has a problem). ` +
        "pod.example.org still points to 45.77.100.4, but this connection's address is now 45.77.113.9.",
    );

    // The tray says it once, in these words (not "stopped": podhost is still trying).
    expect(notificationsFor(snapshotWith({ dns: published }), snapshotWith({ dns: status }))).toEqual([{ title: "The pod's name points to an old address", body: status.message }]);

    // Time passing without a successful update changes nothing: never back to a tick for the old address.
    h.clock.advance(minutes(3));
    expect(h.service.status()).toMatchObject({ state: "failed", message: expect.stringContaining("still points to 45.77.100.4") });

    fixture.setReply();
    expect((await h.service.check()).outcome).toBe("accepted");
    expect(h.service.status()).toMatchObject({ state: "published", message: expect.stringMatching(/^pod\.example\.org points to 45\.77\.113\.9, this connection's address/) });
  });

  it("retries at the minute it announced when the timer's own check failed, and the card says at what time", async () => {
    await runningWithNewAddressAndFailingProvider();
    await advanceTimers(minutes(5));
    const failed = await waitFor("the failed update", () => h.service.status().lastUpdate?.outcome === "retrying" && h.clock.pending() > 0 && h.service.status().lastUpdate!);
    expect(failed.next).toBe("Trying again in 1 minute.");
    expect(h.service.status().message).toMatch(new RegExp(`still points to 45\\.77\\.100\\.4, but this connection's address is now 45\\.77\\.113\\.9\\. Trying again at ${hhmm(failed.at + minutes(1))}\\.$`));
    fixture.setReply();
    await advanceTimers(minutes(1) - 1000);
    expect(fixture.requests).toHaveLength(2);
    h.clock.advance(1000);
    await waitFor("the retry one minute later", () => h.service.status().published?.ipv4 === "45.77.113.9");
    expect(fixture.requests).toHaveLength(3);
  });

  it("retries at the minute it announced when Update now failed, not at the next 5-minute check", async () => {
    await runningWithNewAddressAndFailingProvider();
    h.clock.advance(minutes(2));
    expect(await h.service.updateNow()).toMatchObject({ outcome: "retrying", next: "Trying again in 1 minute." });
    fixture.setReply();
    await advanceTimers(minutes(1));
    await waitFor("the retry one minute later", () => h.service.status().published?.ipv4 === "45.77.113.9");
    expect(fixture.requests).toHaveLength(3);
  });
});
