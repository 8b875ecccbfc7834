import { connect } from "node:net";
import { dnsProviderInfo } from "../../../shared/dns";
import { NetworkError } from "../http";
import { addressRdata, CLASS, parseResponse, queryMessage, RCODE_NAMES, signMessage, TYPE, txtRdata, updateMessage, verifyResponse, type ParsedResponse, type TsigKey, type WireRecord } from "./dns-wire";
import { ProviderError, type ProviderConfig, type ProviderModule, type ProviderReply } from "./types";

const addressTtl = 300;
const challengeTtl = 60;

/** "ns.example.org", "ns.example.org:5353", "[2001:db8::53]:53". */
export function parseServer(server: string): { host: string; port: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(server);
  if (bracketed) return { host: bracketed[1]!, port: Number(bracketed[2] ?? 53) };
  const parts = server.split(":");
  if (parts.length === 2) return { host: parts[0]!, port: Number(parts[1]) };
  return { host: server, port: 53 };
}

/** One request over TCP (two-byte length prefix): updates may be larger than a UDP answer allows. */
function exchange(server: string, message: Buffer, timeoutMs = 10_000): Promise<Buffer> {
  const { host, port } = parseServer(server);
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let received = Buffer.alloc(0);
    const fail = (why: string) => {
      socket.destroy();
      reject(new NetworkError(`could not reach the DNS server ${server}: ${why}`));
    };
    socket.setTimeout(timeoutMs, () => fail(`no answer within ${timeoutMs / 1000} seconds`));
    socket.on("error", (error: NodeJS.ErrnoException) => fail(error.code ?? error.message));
    socket.on("close", () => fail("it closed the connection without an answer")); // after a resolve, this reject is a no-op
    socket.on("connect", () => socket.write(Buffer.concat([Buffer.from([message.length >> 8, message.length & 0xff]), message])));
    socket.on("data", (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (received.length >= 2 && received.length >= 2 + received.readUInt16BE(0)) {
        socket.end();
        resolve(received.subarray(2, 2 + received.readUInt16BE(0)));
      }
    });
  });
}

function tsigKey(config: ProviderConfig): TsigKey {
  return { name: config.username, algorithm: config.tsigAlgorithm, secret: Buffer.from(config.password, "base64") };
}

/** TSIG wants the real time: the server rejects signatures more than 5 minutes off its clock. */
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A signed exchange; an answer that is not signed with the key is not believed. */
async function ask(config: ProviderConfig, message: Buffer): Promise<ParsedResponse> {
  const key = tsigKey(config);
  const { signed, mac } = signMessage(message, key, nowSeconds());
  const raw = await exchange(config.server, signed);
  const response = parseResponse(raw);
  // A server that could not check our key answers NOTAUTH unsigned: that answer says enough.
  if (response.rcode !== 9 && !verifyResponse(raw, mac, key, nowSeconds())) {
    throw new Refusal({ verdict: "retry", answer: `${RCODE_NAMES[response.rcode] ?? response.rcode}, unsigned`, meaning: "the answer did not carry a valid signature of the key, so podhost does not trust it" });
  }
  return response;
}

/** The server said no: its answer for the engine, or for the certs engineer's error text. */
class Refusal extends Error {
  constructor(readonly reply: ProviderReply, readonly field = "dns.server") {
    super(`it answered ${reply.answer} (${reply.meaning})`);
  }
}

/** The zone a name lives in, as the server sees it: the owner of the SOA in its answer (like nsupdate). */
async function findZone(config: ProviderConfig, name: string): Promise<string> {
  const response = await ask(config, queryMessage(name, TYPE.SOA));
  const soa = response.records.find((r) => r.type === TYPE.SOA);
  if (response.rcode === 2 || response.rcode === 9) throw refusal(response.rcode);
  if (!soa) throw new Refusal({ verdict: "fatal", answer: "no zone", meaning: `the DNS server ${config.server} holds no zone for ${name}` });
  return soa.name;
}

/** Applies one update; a refusal throws. */
async function update(config: ProviderConfig, name: string, changes: WireRecord[]): Promise<ProviderReply> {
  const zone = await findZone(config, name);
  const { rcode } = await ask(config, updateMessage(zone, changes));
  if (rcode !== 0) throw refusal(rcode);
  return verdictOf(rcode);
}

const meanings: Record<number, { verdict: ProviderReply["verdict"]; meaning: string; field?: string }> = {
  0: { verdict: "accepted", meaning: "the server applied the update" },
  2: { verdict: "retry", meaning: "the DNS server failed to apply it", field: "dns.server" },
  5: { verdict: "fatal", meaning: "the server does not allow this key to update this zone (check update-policy or allow-update)", field: "dns.username" },
  9: { verdict: "fatal", meaning: "the server did not accept the TSIG key: check its name, algorithm and secret", field: "dns.password" },
  10: { verdict: "fatal", meaning: "the name is not inside a zone this server holds", field: "dns.server" },
};

function verdictOf(rcode: number): ProviderReply {
  const name = RCODE_NAMES[rcode] ?? `RCODE ${rcode}`;
  const { verdict, meaning } = meanings[rcode] ?? { verdict: "fatal", meaning: "the server refused the update" };
  return { answer: name, verdict, meaning };
}

function refusal(rcode: number): Refusal {
  return new Refusal(verdictOf(rcode), meanings[rcode]?.field);
}

function replaceAll(name: string, type: number, address: string): WireRecord[] {
  return [
    { name, type, class: CLASS.ANY, ttl: 0, rdata: Buffer.alloc(0) },
    { name, type, class: CLASS.IN, ttl: addressTtl, rdata: addressRdata(address) },
  ];
}

export const rfc2136: ProviderModule = {
  id: "rfc2136",
  info: dnsProviderInfo.rfc2136,
  async update(config, addresses) {
    const changes = [
      ...(addresses.ipv4 ? replaceAll(config.name, TYPE.A, addresses.ipv4) : []),
      ...(addresses.ipv6 ? replaceAll(config.name, TYPE.AAAA, addresses.ipv6) : []),
    ];
    try {
      return await update(config, config.name, changes);
    } catch (error) {
      if (error instanceof Refusal) return error.reply;
      throw error;
    }
  },
  txt(config) {
    const change = async (fqdn: string, record: WireRecord) => {
      try {
        await update(config, fqdn, [record]);
      } catch (error) {
        throw error instanceof Refusal ? new ProviderError(`The DNS server refused the TXT change for ${fqdn}: ${error.message}.`, error.field) : error;
      }
    };
    return {
      setTxt: (fqdn, value) => change(fqdn, { name: fqdn, type: TYPE.TXT, class: CLASS.IN, ttl: challengeTtl, rdata: txtRdata(value) }),
      removeTxt: (fqdn, value) => change(fqdn, { name: fqdn, type: TYPE.TXT, class: CLASS.NONE, ttl: 0, rdata: txtRdata(value) }),
    };
  },
};
