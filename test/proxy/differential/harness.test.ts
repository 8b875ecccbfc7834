/**
 * The harness tried on a proxy known to be broken (toy-proxy.ts strips Connection-listed headers,
 * Content-Length included, and passes the body on raw): it must catch the smuggling nginx doesn't
 * let through, and must not cry wolf on a plain request the toy forwards as nginx does.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chunked, request, type Case } from "./case";
import { escapeBytes, readAnswers } from "./client";
import { compare, type Observation } from "./compare";
import { corpus } from "./corpus";
import { createLlhttp } from "./llhttp";
import { startNginx, withRecorders, type Subject } from "./peers";
import type { RecordedRequest } from "./recorder";
import { report, runDifferential } from "./run";
import { startToyProxy } from "./toy-proxy";

const caseNamed = (id: string) => corpus.find((c) => c.id === id)!;

describe("the differential harness against a deliberately broken proxy", () => {
  const llhttp = createLlhttp();
  let toy: Subject;
  let nginx: Subject;
  beforeAll(async () => {
    [toy, nginx] = await Promise.all([withRecorders("toy proxy", 2, startToyProxy), withRecorders("nginx", 2, startNginx)]);
  });
  afterAll(async () => {
    await toy?.close();
    await nginx?.close();
  });

  it("reports the request smuggled past a proxy that drops a Connection-listed Content-Length, with its bytes", async () => {
    const smuggling = caseNamed("corpus/1-connection-listed-framing/names-Content-Length-length-body");
    const result = await runDifferential([smuggling], toy, nginx, llhttp);
    const kinds = result.failures.flatMap((f) => f.differences.map((d) => d.kind));
    expect(kinds).toContain("the app got more requests than nginx forwarded");
    expect(kinds).toContain("forwarded a different body");
    expect(report(result)).toContain(JSON.stringify(smuggling.bytes));
  });

  it("reports the visitor whose request the smuggled prefix swallowed", async () => {
    const result = await runDifferential([caseNamed("corpus/1-connection-listed-framing/names-content-length-swallows-visitor")], toy, nginx, llhttp);
    expect(result.failures.flatMap((f) => f.differences.map((d) => d.kind))).toContain("the next visitor was harmed");
  });

  it("passes a plain GET and a plain POST the toy forwards as nginx does", async () => {
    const result = await runDifferential([caseNamed("corpus/baseline/get"), caseNamed("corpus/baseline/post-length")], toy, nginx, llhttp);
    expect(result.failures.length, report(result)).toBe(0);
  });
});

describe("the harness's own readers", () => {
  const llhttp = createLlhttp();
  const upgradeWithBody = (trailer: string) => request("POST /socket HTTP/1.1", ["Host: pod.example.test", "Connection: Upgrade", "Upgrade: websocket", "Transfer-Encoding: chunked"], chunked(["abc"], [trailer]));

  it("judges an Upgrade request's body as podhost forwards it (framed, before any 101): llhttp still rejects a broken trailer there", async () => {
    for (const trailer of ["X-T: a\x01b", "Content-Length: 5"]) {
      const verdict = await llhttp.judge(upgradeWithBody(trailer));
      expect(verdict.kind, trailer).toBe("accepted");
      expect(verdict.kind === "accepted" && verdict.body, trailer).toMatch(/^rejected: HPE_/);
    }
    const fine = await llhttp.judge(upgradeWithBody("X-Checksum: 1"));
    expect(fine).toMatchObject({ kind: "accepted", method: "POST", body: "complete" });
    // The head as llhttp read it, Upgrade field and all: only the body is judged the second time.
    expect(fine.kind === "accepted" && fine.headers.map(([name]) => name)).toContain("Upgrade");
  });

  it("reads an answer to HEAD whose connection ends right after its head, and waits for the body while it is open", () => {
    const refusal = "HTTP/1.1 400 Bad Request\r\nContent-Length: 13\r\nConnection: close\r\n\r\n";
    expect(readAnswers(refusal, true).answers.map((a) => a.status)).toEqual([400]);
    expect(readAnswers(refusal, false).answers).toEqual([]);
  });

  it("escapes DEL and bytes above 0x7f in the bytes it prints to replay", () => {
    expect(escapeBytes("3;a=\x7f\r\n\xe9")).toBe(String.raw`"3;a=\u007f\r\n\u00e9"`);
  });
});

describe("the harness's comparison", () => {
  /** What an app got for `GET /abs` with these headers, and a client answered 200 (no visitor: both sides alike). */
  const observed = (subject: string, headers: [string, string][]): Observation => {
    const got: RecordedRequest = { seq: 1, connection: 1, onConnection: 1, method: "GET", target: "/abs", version: "HTTP/1.1", headers, body: Buffer.alloc(0), bodySha256: "e3b0c44298fc1c14", framing: "none", trailers: [] };
    return { subject, requests: [got], errors: [], tunnelled: "", client: { answers: [{ status: 200, headers: [], body: "", trailers: [] }], rest: "", endedBy: "client" }, visitor: { answer: undefined, requests: [] } };
  };
  const forwarded = (host: string, port: string): [string, string][] => [
    ["Host", host],
    ["X-Forwarded-For", "127.0.0.1"],
    ["X-Real-IP", "127.0.0.1"],
    ["X-Forwarded-Proto", "http"],
    ["X-Forwarded-Host", host],
    ["X-Forwarded-Port", port],
    ["Forwarded", `for=127.0.0.1;host="${host}";proto=http`],
  ];
  const absoluteForm = (line: string, host: string): Case => ({ id: "self-test/absolute-form", probe: "self-test", bytes: request(line, [`Host: ${host}`]), sent: 1 });
  // The target's authority names no port: the scheme's (80) is the one the visitor used, not the Host header's 443.
  const absolute = absoluteForm("GET http://other.example.test/abs HTTP/1.1", "pod.example.test:443");
  const nginxSaw = observed("nginx", forwarded("pod.example.test:443", "443"));

  it("holds an absolute-form request against nginx's copy as if nginx had taken the target's host, its port the scheme's when it names none", () => {
    const sameRequest: [Case, podhost: [string, string], nginx: [string, string]][] = [
      [absolute, ["other.example.test", "80"], ["pod.example.test:443", "443"]],
      // A Host that is also the visitor's address: only Forwarded's host= names the host, not its for=.
      [absoluteForm("GET http://other.example.test/abs HTTP/1.1", "127.0.0.1"), ["other.example.test", "80"], ["127.0.0.1", "80"]],
      // nginx forwards the Host header as the client cased it.
      [absoluteForm("GET http://other.example.test/abs HTTP/1.1", "POD.Example.Test."), ["other.example.test", "80"], ["POD.Example.Test.", "80"]],
      // Any method token, not only letters.
      [absoluteForm("M-SEARCH https://pod.example.test:443/abs HTTP/1.1", "pod.example.test:"), ["pod.example.test:443", "443"], ["pod.example.test:", "80"]],
    ];
    // An HTTP/1.0 request without Host: nginx forwards no Host and no X-Forwarded-Host, and an empty host= in Forwarded.
    const noHost: Case = { id: "self-test/no-host", probe: "self-test", bytes: "GET http://other.example.test/abs HTTP/1.0\r\n\r\n", sent: 1 };
    const nginxWithoutHost = forwarded("", "80").filter(([name]) => name !== "Host" && name !== "X-Forwarded-Host");
    expect(compare(noHost, observed("podhost", forwarded("other.example.test", "80")), observed("nginx", nginxWithoutHost), undefined)).toEqual([]);
    for (const [c, [podhostHost, podhostPort], [nginxHost, nginxPort]] of sameRequest) {
      expect(compare(c, observed("podhost", forwarded(podhostHost, podhostPort)), observed("nginx", forwarded(nginxHost, nginxPort)), undefined), c.bytes).toEqual([]);
    }
  });

  it("still reports a forwarded port that is neither the target's nor its scheme's", () => {
    const kinds = compare(absolute, observed("podhost", forwarded("other.example.test", "443")), nginxSaw, undefined).map((d) => d.kind);
    expect(kinds).toEqual(["forwarding header not the proxy's own"]);
  });
});
