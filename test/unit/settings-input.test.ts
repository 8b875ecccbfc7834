import { describe, expect, it } from "vitest";
import { applySettingsChanges, defaultSettings, settingsFields } from "../../shared/settings";
import { formatConfigGet } from "../../main/cli/config";
import { settingsTable } from "../../main/cli/settings-table";

const apply = (changes: Record<string, unknown>) => applySettingsChanges(defaultSettings(), changes);
const refusal = (changes: Record<string, unknown>) => {
  try {
    apply(changes);
  } catch (error) {
    return error as { field?: string; message: string };
  }
  throw new Error(`accepted ${JSON.stringify(changes).slice(0, 100)}`);
};

describe("settings: sizes", () => {
  it("refuses 10,000 certificate aliases, naming the field and the limit", () => {
    const aliases = Array.from({ length: 10_000 }, (_, i) => `a${i}.example.org`);
    expect(refusal({ "certs.aliases": aliases }).message).toMatch(/certs\.aliases can hold at most 99 entries \(this one has 10000\)/);
  });

  it("counts the certificate's names as the certificate will (domain, proxy and certificate aliases, once each) against Let's Encrypt's 100", () => {
    const names = (from: number, count: number) => Array.from({ length: count }, (_, i) => `n${from + i}.example.org`);
    const shared = names(0, 50);
    expect(() => apply({ domain: "pod.example.org", "proxy.aliases": shared, "certs.aliases": [...shared, ...names(50, 49)] })).not.toThrow();
    const over = refusal({ domain: "pod.example.org", "proxy.aliases": names(0, 60), "certs.aliases": names(60, 40) });
    expect(over).toMatchObject({ field: "certs.aliases", message: expect.stringMatching(/101 names.*at most 100/) });
  });

  it("refuses 10,000 routes, a 120 KB command, 1,000 arguments and 1,000 environment variables", () => {
    const routes = Array.from({ length: 10_000 }, (_, i) => ({ host: `r${i}.example.org`, upstream: "127.0.0.1:9000" }));
    expect(refusal({ "proxy.routes": routes }).message).toMatch(/proxy\.routes can hold at most 100 entries/);
    expect(refusal({ "pod.command": "x".repeat(120_000) }).message).toMatch(/pod\.command can be at most 4096 characters long \(this one has 120000\)/);
    expect(refusal({ "pod.args": Array.from({ length: 1000 }, () => "-v") }).message).toMatch(/pod\.args can hold at most 256 entries/);
    expect(refusal({ "pod.env": Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`V${i}`, "1"])) }).message).toMatch(/pod\.env can hold at most 256 entries/);
  });
});

describe("settings: ports that clash", () => {
  it("refuses the HTTPS port on the HTTP port, naming both fields", () => {
    expect(refusal({ "proxy.httpsPort": 8080 })).toMatchObject({ field: "proxy.httpsPort", message: expect.stringMatching(/proxy\.httpsPort and proxy\.httpPort are both 8080/) });
  });

  it("refuses the pod's port on the proxy's, pointing at the one just changed", () => {
    expect(refusal({ "pod.port": 8443 })).toMatchObject({ field: "pod.port", message: expect.stringMatching(/pod\.port and proxy\.httpsPort are both 8443/) });
  });

  it("lets a pod on a unix socket leave pod.port alone, and refuses equal router ports only when both are mapped", () => {
    expect(() => apply({ "pod.socketPath": "/run/pod.sock", "pod.port": 8443 })).not.toThrow();
    expect(() => apply({ "ports.externalHttpPort": 443 })).not.toThrow();
    expect(refusal({ "ports.mapHttp": true, "ports.externalHttpPort": 443 }).message).toMatch(/ports\.externalHttpPort and ports\.externalHttpsPort are both 443/);
  });
});

describe("settings: error text a person reads", () => {
  it("offers the punycode form of an internationalised domain", () => {
    expect(refusal({ domain: "bücher.example" })).toMatchObject({ field: "domain", message: expect.stringMatching(/enter xn--bcher-kva\.example instead/) });
  });

  it("takes a trailing dot as the same name", () => {
    expect(apply({ domain: "pod.example.org." }).domain).toBe("pod.example.org");
  });

  it("says what shape pod.args and pod.env take instead of zod's own words", () => {
    for (const [key, value] of [["pod.env", ["A=1"]], ["pod.args", { a: 1 }], ["proxy.routes", "nas.example.org"]] as const) {
      const { message } = refusal({ [key]: value });
      expect(message).toMatch(new RegExp(`^${key.replace(".", "\\.")} is a (JSON object|list)`));
      expect(message).not.toMatch(/expected|received|Invalid input/);
    }
  });

  it("reports a key a route does not have instead of dropping it", () => {
    expect(refusal({ "proxy.routes": [{ host: "nas.example.org", upsteam: "127.0.0.1:5000", upstream: "127.0.0.1:5000" }] }).message).toBe('proxy.routes[0] has no key "upsteam": it takes host, prefix, upstream.');
  });

  it("shows proxy.workers' default as 1 in the README table and in `config get`", () => {
    expect(settingsFields().find((f) => f.key === "proxy.workers")?.defaultValue).toBe(1);
    expect(settingsTable()).toMatch(/^\| `proxy\.workers` \| `1` \|/m);
    const view = { settings: defaultSettings(), secrets: {}, locked: {}, revision: "r1" };
    expect(formatConfigGet(view, undefined)).toMatch(/^proxy\.workers = 1$/m);
    expect(formatConfigGet(view, "proxy.workers")).toBe("1");
  });
});
