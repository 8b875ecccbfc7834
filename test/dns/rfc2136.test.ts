import { createServer, type AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBind, type Bind } from "./bind";
import { waitFor } from "../helpers/temp";
import { minutes, startHarness, type Harness } from "./harness";

const hhmm = (ms: number) => new Date(ms).toTimeString().slice(0, 5);

/** Fire the check a settings change scheduled at once, and wait until it has run (it sets the next timer when done). */
async function runDueCheck(h: Harness): Promise<void> {
  h.clock.advance(0);
  await waitFor("the check to run", () => h.clock.pending() > 0);
}

/** The updates the service sent, from its own history (BIND has no request log here). */
function bindRequestsSoFar(h: Harness): number {
  return h.service.status().history.length;
}

let bind: Bind;
let h: Harness | undefined;

beforeAll(async () => {
  bind = await startBind();
});

afterAll(async () => {
  await h?.cleanup();
  await bind?.close();
});

async function harness(name: string, secret = bind.secret): Promise<Harness> {
  await h?.cleanup();
  h = await startHarness(
    { "dns.provider": "rfc2136", "dns.name": name, "dns.server": bind.server, "dns.username": bind.keyName },
    { "dns.password": secret },
  );
  return h;
}

describe("RFC 2136 against a real BIND 9", () => {
  it("publishes A and AAAA with a TSIG-signed update, and replaces them on a change", async () => {
    const h = await harness("pod.example.test");
    h.addIpv6("2a01:4f8:100::4");
    const result = await h.service.updateNow();
    expect(result).toMatchObject({ outcome: "accepted", answer: "NOERROR", sent: { ipv4: "45.77.100.4", ipv6: "2a01:4f8:100::4" } });
    expect(await bind.dig("pod.example.test", "A")).toEqual(["45.77.100.4"]);
    expect(await bind.dig("pod.example.test", "AAAA")).toEqual(["2a01:4f8:100::4"]);

    h.router.address = "45.77.113.9";
    h.clock.advance(minutes(5));
    expect((await h.service.check()).outcome).toBe("accepted");
    expect(await bind.dig("pod.example.test", "A")).toEqual(["45.77.113.9"]);
  });

  it("stops when the server rejects the TSIG key, and publishes nothing", async () => {
    const h = await harness("wrongkey.example.test", Buffer.from("not the right secret at all").toString("base64"));
    const result = await h.service.updateNow();
    expect(result).toMatchObject({ outcome: "stopped", answer: "NOTAUTH" });
    expect(result.message).toContain("the server did not accept the TSIG key");
    expect(await bind.dig("wrongkey.example.test", "A")).toEqual([]);
  });

  it("a wrong TSIG secret set while the address is unchanged is tried at once (within the one-a-minute limit) and turns red; the right one turns green again", async () => {
    const h = await harness("creds.example.test");
    await h.service.start();
    await waitFor("the first update", async () => h.clock.pending() > 0 && (h.clock.advance(0), h.service.status().state === "published"));
    const accepted = h.service.status().lastUpdate!;

    h.secrets.set("dns.password", Buffer.from("a secret BIND does not know").toString("base64"));
    await h.configure({});
    await runDueCheck(h);
    // The provider has had one update this minute: the check waits for the minute, and says so instead of a tick.
    const pending = h.service.status();
    expect(pending.state).toBe("waiting");
    expect(pending.message).toBe(`The dynamic DNS settings changed: podhost sends 45.77.100.4 again at ${hhmm(accepted.at + minutes(1))} to check them with the provider.`);
    h.clock.advance(minutes(1));
    const refused = await waitFor("the refusal", () => h.service.status().state === "failed" && h.service.status());
    expect(bindRequestsSoFar(h)).toBe(2);
    expect(refused.message).toBe('Updates are stopped: RFC 2136 (your own DNS server, TSIG) answered "NOTAUTH": the server did not accept the TSIG key: check its name, algorithm and secret.');
    expect(refused.lastUpdate).toMatchObject({ outcome: "stopped", answer: "NOTAUTH" });
    expect(await bind.dig("creds.example.test", "A")).toEqual(["45.77.100.4"]);

    h.secrets.set("dns.password", bind.secret);
    await h.configure({});
    await runDueCheck(h);
    await waitFor("the right key to be confirmed", () => h.service.status().state === "published");
    expect(h.service.status().lastUpdate).toMatchObject({ outcome: "accepted", answer: "NOERROR" });
  });

  it("stops when the name is outside the server's zones", async () => {
    const h = await harness("pod.not-here.test");
    const result = await h.service.updateNow();
    expect(result).toMatchObject({ outcome: "stopped", answer: "no zone" });
    expect(result.message).toContain(`the DNS server ${bind.server} holds no zone for pod.not-here.test`);
  });

  it("sets and removes TXT records for DNS-01, one value at a time", async () => {
    const h = await harness("pod.example.test");
    const txt = h.service.txtRecords();
    await txt?.setTxt("_acme-challenge.pod.example.test", "token-one");
    await txt?.setTxt("_acme-challenge.pod.example.test", "token-two");
    expect((await bind.dig("_acme-challenge.pod.example.test", "TXT")).sort()).toEqual(['"token-one"', '"token-two"']);
    await txt?.removeTxt("_acme-challenge.pod.example.test", "token-one");
    expect(await bind.dig("_acme-challenge.pod.example.test", "TXT")).toEqual(['"token-two"']);
    await txt?.removeTxt("_acme-challenge.pod.example.test", "token-two");
    expect(await bind.dig("_acme-challenge.pod.example.test", "TXT")).toEqual([]);
  });

  it("does not believe a NOERROR that is not signed with the key", async () => {
    // A stand-in on loopback that answers every message with a bare, unsigned NOERROR.
    const fake = createServer((socket) =>
      socket.once("data", (data: Buffer) => {
        const reply = Buffer.alloc(14);
        reply.writeUInt16BE(12, 0);
        data.copy(reply, 2, 2, 4); // the request's ID
        reply.writeUInt16BE(0x8000 | (data.readUInt16BE(4) & 0x7800), 4); // QR, same opcode, NOERROR
        socket.end(reply);
      }),
    );
    await new Promise<void>((resolve) => fake.listen(0, "127.0.0.1", resolve));
    const h = await startHarness(
      { "dns.provider": "rfc2136", "dns.name": "pod.example.test", "dns.server": `127.0.0.1:${(fake.address() as AddressInfo).port}`, "dns.username": bind.keyName },
      { "dns.password": bind.secret },
    );
    const result = await h.service.updateNow();
    expect(result).toMatchObject({ outcome: "retrying", answer: "NOERROR, unsigned" });
    expect(result.message).toContain("the answer did not carry a valid signature of the key, so podhost does not trust it");
    expect(h.service.status().published).toBeUndefined();
    await h.cleanup();
    await new Promise((resolve) => fake.close(resolve));
  });

  it("retries with backoff when the DNS server cannot be reached", async () => {
    const h = await startHarness(
      { "dns.provider": "rfc2136", "dns.name": "pod.example.test", "dns.server": "127.0.0.1:1", "dns.username": bind.keyName },
      { "dns.password": bind.secret },
    );
    const result = await h.service.updateNow();
    expect(result).toMatchObject({ outcome: "retrying", next: "Trying again in 1 minute." });
    expect(result.message).toBe("Could not send 45.77.100.4 to RFC 2136 (your own DNS server, TSIG): could not reach the DNS server 127.0.0.1:1: ECONNREFUSED.");
    await h.cleanup();
  });
});
