import { describe, expect, it } from "vitest";
import { ChunkedReader, HeadError, parseRequestHead, parseResponseHead } from "../../main/proxy/http1";

function statusFor(head: string): number {
  try {
    parseRequestHead(head);
    return 0;
  } catch (error) {
    if (error instanceof HeadError) return error.status;
    throw error;
  }
}

/** Decode a chunked body fed in pieces of `step` bytes; returns the data and what followed it. */
function decodeChunked(wire: string, step: number): { data: string; rest: string } {
  const reader = new ChunkedReader();
  const input = Buffer.from(wire, "latin1");
  let data = "";
  let at = 0;
  while (at < input.length && !reader.done) {
    const end = Math.min(input.length, at + step);
    at += reader.feed(input, at, end, (from, to) => (data += input.toString("latin1", from, to)));
  }
  return { data, rest: input.toString("latin1", at) };
}

describe("HTTP/1 heads", () => {
  it("reads a request head with its framing, Host and keep-alive", () => {
    const head = parseRequestHead("POST /a?b=1 HTTP/1.1\r\nHost: pod.example.test\r\nContent-Length: 12\r\nX-Pad:  spaced value \t");
    expect(head).toMatchObject({ method: "POST", target: "/a?b=1", minor: 1, host: "pod.example.test", contentLength: 12, chunked: false, keepAlive: true });
    expect(head.values).toEqual(["pod.example.test", "12", "spaced value"]);
    expect(parseRequestHead("GET / HTTP/1.0\r\nHost: a").keepAlive).toBe(false);
    expect(parseRequestHead("GET / HTTP/1.0\r\nHost: a\r\nConnection: Keep-Alive").keepAlive).toBe(true);
    expect(parseRequestHead("GET / HTTP/1.1\r\nHost: a\r\nConnection: close").keepAlive).toBe(false);
  });

  it("sees an upgrade only when Connection names it", () => {
    expect(parseRequestHead("GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket").upgrade).toBe("websocket");
    expect(parseRequestHead("GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket").upgrade).toBeUndefined();
  });

  it("refuses every head two parsers could read differently", () => {
    const refused: Record<string, string> = {
      "a bare LF": "GET / HTTP/1.1\r\nHost: a\nX: 1",
      "a bare CR": "GET / HTTP/1.1\r\nHost: a\rX: 1",
      "obs-fold": "GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n 2",
      "space before the colon": "GET / HTTP/1.1\r\nHost : a",
      "a control character in a value": "GET / HTTP/1.1\r\nHost: a\r\nX: a\x00b",
      "CL with TE": "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked",
      "two Content-Lengths": "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1",
      "a signed Content-Length": "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +1",
      "a coding list": "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked",
      "two Transfer-Encodings": "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked",
      "TE in HTTP/1.0": "POST / HTTP/1.0\r\nHost: a\r\nTransfer-Encoding: chunked",
      "a space in the target": "GET /a b HTTP/1.1\r\nHost: a",
      "a lower-case version": "GET / http/1.1\r\nHost: a",
    };
    for (const [why, head] of Object.entries(refused)) expect(statusFor(head), why).toBe(400);
    expect(statusFor("GET / HTTP/2.0\r\nHost: a")).toBe(505);
    expect(statusFor("GET / HTTP/1.1\r\nHost: a")).toBe(0);
  });

  it("counts Host headers so a second one can be refused", () => {
    const head = parseRequestHead("GET / HTTP/1.1\r\nHost: a\r\nHost: b");
    expect(head.hostCount).toBe(2);
    expect(head.host).toBeUndefined();
  });

  it("reads a response head, keeps the lines it is told to as received, and refuses a malformed status line", () => {
    const dropConnection = (name: string) => name === "connection" || name === "keep-alive";
    expect(parseResponseHead("HTTP/1.1 204 No Content\r\nConnection: close", dropConnection)).toMatchObject({ status: 204, reason: "No Content", connection: ["close"], kept: "" });
    const head = parseResponseHead("HTTP/1.1 200\r\nKeep-Alive: timeout=5\r\nContent-Length: 3\r\nX-A:  1\r\nConnection: keep-alive\r\nX-B: 2", dropConnection);
    expect(head).toMatchObject({ status: 200, reason: "", contentLength: 3, kept: "Content-Length: 3\r\nX-A:  1\r\nX-B: 2\r\n" });
    expect(() => parseResponseHead("HTTP/1.1 20 OK", dropConnection)).toThrow(HeadError);
    expect(() => parseResponseHead("HTTP/1.1 200 OK\r\nX: a\rb", dropConnection)).toThrow(HeadError);
  });
});

describe("chunked bodies", () => {
  const wire = "5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nTrailer: x\r\n\r\nGET / HTTP/1.1\r\n";

  it("decodes the same body whatever the pieces it arrives in, and leaves the next message alone", () => {
    for (const step of [1, 2, 3, 7, 1000]) expect(decodeChunked(wire, step), `step ${step}`).toEqual({ data: "hello, world", rest: "GET / HTTP/1.1\r\n" });
  });

  it("caps the extensions and trailers it skips at 16 KiB a message, however they are spread", () => {
    const extension = `;${"e".repeat(100)}`;
    const tiny = (chunks: number) => `${"1".concat(extension, "\r\nx\r\n").repeat(chunks)}0\r\n\r\n`;
    expect(decodeChunked(tiny(150), 1000).data).toBe("x".repeat(150));
    expect(() => decodeChunked(tiny(200), 1000)).toThrow("chunk extensions and trailers over 16 KiB");
    const trailers = (lines: number) => `0\r\n${"T: v\r\n".repeat(lines)}\r\n`;
    expect(decodeChunked(trailers(2000), 1000).data).toBe("");
    expect(() => decodeChunked(trailers(5000), 1000)).toThrow("chunk extensions and trailers over 16 KiB");
  });

  it("refuses bad framing", () => {
    for (const bad of ["g\r\n", "5\nhello\r\n", "5\r\nhelloX\r\n", "\r\n", "1234567890abc\r\n", "0\r\nTrailer: x\n\r\n"]) {
      expect(() => decodeChunked(bad, 1000), JSON.stringify(bad)).toThrow(HeadError);
    }
  });
});
