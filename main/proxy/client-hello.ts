/** What the proxy needs from a TLS ClientHello to route it before any TLS is unpacked. */
export interface ClientHello {
  servername?: string;
  alpn: string[];
}

/** The TLS record header: content type 22 (handshake), then version and a 16-bit length. */
export const recordHeaderBytes = 5;
export const maxRecordBytes = 16 * 1024;

/** Whether a connection's first byte can start a TLS handshake record. */
export function isHandshakeRecord(firstByte: number): boolean {
  return firstByte === 0x16;
}

/**
 * Reads SNI and ALPN out of the first handshake record's body. Returns what it found; a
 * truncated or odd hello yields no name (the connection is then terminated here, not passed on).
 */
export function parseClientHello(record: Buffer): ClientHello {
  const hello: ClientHello = { alpn: [] };
  const reader = new Reader(record);
  if (reader.u8() !== 1) return hello; // not a ClientHello
  reader.skip(3 + 2 + 32); // handshake length, client version, random
  reader.skip(reader.u8()); // session id
  reader.skip(reader.u16()); // cipher suites
  reader.skip(reader.u8()); // compression methods
  const extensionsEnd = Math.min(reader.pos + reader.u16(), record.length);
  while (reader.pos + 4 <= extensionsEnd) {
    const type = reader.u16();
    const length = reader.u16();
    const end = reader.pos + length;
    if (end > extensionsEnd) break;
    if (type === 0) hello.servername = readServerName(new Reader(record.subarray(reader.pos, end)));
    else if (type === 16) hello.alpn = readAlpn(new Reader(record.subarray(reader.pos, end)));
    reader.pos = end;
  }
  return hello;
}

function readServerName(reader: Reader): string | undefined {
  const listEnd = reader.pos + reader.u16();
  while (reader.pos + 3 <= listEnd) {
    const nameType = reader.u8();
    const name = reader.bytes(reader.u16());
    if (nameType === 0) return name.toString("latin1").toLowerCase();
  }
  return undefined;
}

function readAlpn(reader: Reader): string[] {
  const protocols: string[] = [];
  const listEnd = reader.pos + reader.u16();
  while (reader.pos < listEnd) protocols.push(reader.bytes(reader.u8()).toString("latin1"));
  return protocols;
}

/** Bounds-checked big-endian reads: a short buffer reads as zeros and ends every loop. */
class Reader {
  pos = 0;
  constructor(private readonly buf: Buffer) {}
  u8(): number {
    const value = this.pos < this.buf.length ? this.buf[this.pos]! : 0;
    this.pos += 1;
    return value;
  }
  u16(): number {
    return (this.u8() << 8) | this.u8();
  }
  skip(count: number): void {
    this.pos += count;
  }
  bytes(count: number): Buffer {
    const out = this.buf.subarray(this.pos, this.pos + count);
    this.pos += count;
    return out;
  }
}
