/**
 * The harness tried on a proxy known to be broken (toy-proxy.ts strips Connection-listed headers,
 * Content-Length included, and passes the body on raw): it must catch the smuggling nginx doesn't
 * let through, and must not cry wolf on a plain request the toy forwards as nginx does.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { corpus } from "./corpus";
import { createLlhttp } from "./llhttp";
import { startNginx, withRecorders, type Subject } from "./peers";
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
