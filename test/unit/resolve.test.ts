import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSocket, type Socket } from "node:dgram";
import { resolveIpv4 } from "../../main/system/resolve";

/** A one-answer DNS server on loopback: every A question gets 127.0.0.9. */
let server: Socket;
let port: number;
const asked: string[] = [];

beforeAll(async () => {
  server = createSocket("udp4");
  server.on("message", (query, peer) => {
    let offset = 12;
    const labels: string[] = [];
    while (query[offset]! > 0) {
      labels.push(query.subarray(offset + 1, offset + 1 + query[offset]!).toString());
      offset += query[offset]! + 1;
    }
    asked.push(labels.join("."));
    const question = query.subarray(12, offset + 5);
    const header = Buffer.from([query[0]!, query[1]!, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0]);
    const answer = Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 9]);
    server.send(Buffer.concat([header, question, answer]), peer.port, peer.address);
  });
  await new Promise<void>((resolve) => server.bind(0, "127.0.0.1", resolve));
  port = server.address().port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("name resolution for checks", () => {
  it("asks only the server in PODHOST_DNS_SERVER when it is set", async () => {
    expect(await resolveIpv4("pod.example.test", { PODHOST_DNS_SERVER: `127.0.0.1:${port}` })).toEqual(["127.0.0.9"]);
    expect(asked).toContain("pod.example.test");
  });

  it("uses the system resolver otherwise (localhost never leaves the machine)", async () => {
    expect(await resolveIpv4("localhost", {})).toContain("127.0.0.1");
  });
});
