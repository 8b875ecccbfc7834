/**
 * Just enough of the DNS wire format for RFC 2136 dynamic updates signed with TSIG (RFC 8945),
 * so that podhost needs no `nsupdate` on the user's machine (Windows and macOS have none).
 */
import { createHmac, randomInt, timingSafeEqual } from "node:crypto";
import { isIPv4 } from "node:net";

export const TYPE = { A: 1, SOA: 6, TXT: 16, AAAA: 28, TSIG: 250 } as const;
export const CLASS = { IN: 1, NONE: 254, ANY: 255 } as const;
export const RCODE_NAMES: Record<number, string> = {
  0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED",
  6: "YXDOMAIN", 7: "YXRRSET", 8: "NXRRSET", 9: "NOTAUTH", 10: "NOTZONE",
};

export interface WireRecord {
  name: string;
  type: number;
  class: number;
  ttl: number;
  rdata: Buffer;
}

export interface TsigKey {
  name: string;
  algorithm: "hmac-sha256" | "hmac-sha512" | "hmac-sha1";
  secret: Buffer;
}

export function encodeName(name: string): Buffer {
  const labels = name.replace(/\.$/, "").toLowerCase().split(".").filter(Boolean);
  return Buffer.concat([...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, "ascii")])), Buffer.from([0])]);
}

const u16 = (n: number) => Buffer.from([n >> 8, n & 0xff]);
const u32 = (n: number) => Buffer.from([(n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
const u48 = (n: number) => Buffer.concat([u16(Math.floor(n / 2 ** 32)), u32(n % 2 ** 32)]);

function encodeRecord(r: WireRecord): Buffer {
  return Buffer.concat([encodeName(r.name), u16(r.type), u16(r.class), u32(r.ttl), u16(r.rdata.length), r.rdata]);
}

export function addressRdata(address: string): Buffer {
  if (isIPv4(address)) return Buffer.from(address.split(".").map(Number));
  const [head = "", tail = ""] = address.split("::");
  const groups = (s: string) => (s ? s.split(":") : []);
  const missing = 8 - groups(head).length - groups(tail).length;
  const all = address.includes("::") ? [...groups(head), ...Array<string>(missing).fill("0"), ...groups(tail)] : groups(address);
  return Buffer.concat(all.map((g) => u16(parseInt(g, 16))));
}

/** TXT data: character-strings of at most 255 bytes each. */
export function txtRdata(value: string): Buffer {
  const bytes = Buffer.from(value, "utf8");
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length || i === 0; i += 255) {
    const chunk = bytes.subarray(i, i + 255);
    parts.push(Buffer.from([chunk.length]), chunk);
  }
  return Buffer.concat(parts);
}

/** A query (opcode 0) for one name and type. */
export function queryMessage(name: string, type: number): Buffer {
  return Buffer.concat([u16(randomInt(0x10000)), u16(0), u16(1), u16(0), u16(0), u16(0), encodeName(name), u16(type), u16(CLASS.IN)]);
}

/** An UPDATE (opcode 5) of `zone`: no prerequisites, then the given changes. */
export function updateMessage(zone: string, changes: WireRecord[]): Buffer {
  const header = Buffer.concat([u16(randomInt(0x10000)), u16(5 << 11), u16(1), u16(0), u16(changes.length), u16(0)]);
  return Buffer.concat([header, encodeName(zone), u16(TYPE.SOA), u16(CLASS.IN), ...changes.map(encodeRecord)]);
}

const fudgeSeconds = 300;

/** The TSIG variables (RFC 8945 section 4.3.3) that are signed after the message. */
function tsigVariables(key: TsigKey, timeAndFudge: Buffer, errorAndOther: Buffer): Buffer {
  return Buffer.concat([encodeName(key.name), u16(CLASS.ANY), u32(0), encodeName(key.algorithm), timeAndFudge, errorAndOther]);
}

const hmac = (key: TsigKey) => createHmac(key.algorithm.slice("hmac-".length), key.secret);

/** Appends a TSIG record; returns the signed message and its MAC (the answer's MAC covers it). */
export function signMessage(message: Buffer, key: TsigKey, nowSeconds: number): { signed: Buffer; mac: Buffer } {
  const timeAndFudge = Buffer.concat([u48(nowSeconds), u16(fudgeSeconds)]);
  const noErrorNoOther = Buffer.concat([u16(0), u16(0)]);
  const mac = hmac(key).update(message).update(tsigVariables(key, timeAndFudge, noErrorNoOther)).digest();
  const rdata = Buffer.concat([encodeName(key.algorithm), timeAndFudge, u16(mac.length), mac, message.subarray(0, 2), noErrorNoOther]);
  const signed = Buffer.concat([message, encodeRecord({ name: key.name, type: TYPE.TSIG, class: CLASS.ANY, ttl: 0, rdata })]);
  signed.writeUInt16BE(message.readUInt16BE(10) + 1, 10);
  return { signed, mac };
}

/**
 * Whether an answer is signed with our key and covers our request (RFC 8945 section 5.3):
 * without this, anyone on the path could fake a NOERROR.
 */
export function verifyResponse(response: Buffer, requestMac: Buffer, key: TsigKey, nowSeconds: number): boolean {
  const arcount = response.readUInt16BE(10);
  if (arcount === 0) return false;
  let offset = 12;
  for (let i = 0; i < response.readUInt16BE(4); i++) offset = readName(response, offset).end + 4;
  const records = response.readUInt16BE(6) + response.readUInt16BE(8) + arcount - 1;
  for (let i = 0; i < records; i++) {
    const end = readName(response, offset).end;
    offset = end + 10 + response.readUInt16BE(end + 8);
  }
  const tsigStart = offset;
  const owner = readName(response, tsigStart);
  if (response.readUInt16BE(owner.end) !== TYPE.TSIG) return false;
  const rdata = owner.end + 10;
  const algorithmEnd = readName(response, rdata).end;
  const timeAndFudge = response.subarray(algorithmEnd, algorithmEnd + 8);
  const macSize = response.readUInt16BE(algorithmEnd + 8);
  const mac = response.subarray(algorithmEnd + 10, algorithmEnd + 10 + macSize);
  const afterMac = algorithmEnd + 10 + macSize;
  const originalId = response.readUInt16BE(afterMac);
  const errorAndOther = response.subarray(afterMac + 2, afterMac + 6 + response.readUInt16BE(afterMac + 4));
  const unsigned = Buffer.from(response.subarray(0, tsigStart));
  unsigned.writeUInt16BE(originalId, 0);
  unsigned.writeUInt16BE(arcount - 1, 10);
  const expected = hmac(key).update(u16(requestMac.length)).update(requestMac).update(unsigned).update(tsigVariables(key, timeAndFudge, errorAndOther)).digest();
  const signedAt = timeAndFudge.readUIntBE(0, 6);
  return mac.length === expected.length && timingSafeEqual(mac, expected) && Math.abs(nowSeconds - signedAt) <= timeAndFudge.readUInt16BE(6);
}

export interface ParsedResponse {
  id: number;
  rcode: number;
  /** Records of the answer and authority sections (names decompressed, rdata raw). */
  records: { name: string; type: number }[];
}

export function parseResponse(message: Buffer): ParsedResponse {
  const count = (at: number) => message.readUInt16BE(at);
  let offset = 12;
  for (let i = 0; i < count(4); i++) offset = readName(message, offset).end + 4;
  const records: ParsedResponse["records"] = [];
  for (let i = 0; i < count(6) + count(8); i++) {
    const { name, end } = readName(message, offset);
    records.push({ name, type: message.readUInt16BE(end) });
    offset = end + 10 + message.readUInt16BE(end + 8);
  }
  return { id: count(0), rcode: message.readUInt16BE(2) & 0x0f, records };
}

function readName(message: Buffer, start: number): { name: string; end: number } {
  const labels: string[] = [];
  let offset = start;
  let end: number | undefined;
  for (let jumps = 0; jumps < 128; jumps++) {
    const length = message.readUInt8(offset);
    if (length === 0) return { name: labels.join("."), end: end ?? offset + 1 };
    if ((length & 0xc0) === 0xc0) {
      end ??= offset + 2;
      offset = message.readUInt16BE(offset) & 0x3fff;
      continue;
    }
    labels.push(message.toString("ascii", offset + 1, offset + 1 + length));
    offset += length + 1;
  }
  throw new Error("a DNS name in the answer loops");
}
