import { describe, expect, it } from "vitest";
import { applySettingsChanges, defaultSettings, isSecretKey } from "../../shared/settings";

describe("dns settings", () => {
  it("are off by default: no provider, so nothing is ever sent", () => {
    expect(defaultSettings().dns).toEqual({ provider: "none", name: "", server: "", username: "", ipEchoUrl: "", ipv6: true, tsigAlgorithm: "hmac-sha256" });
  });

  it("accept every provider the issue names", () => {
    for (const provider of ["duckdns", "cloudflare", "desec", "dyndns2", "noip", "dynu", "he", "dnsomatic", "namecheap", "freedns", "rfc2136"]) {
      expect(applySettingsChanges(defaultSettings(), { "dns.provider": provider }).dns.provider).toBe(provider);
    }
  });

  it("name the field and what is allowed when a value is wrong", () => {
    expect(() => applySettingsChanges(defaultSettings(), { "dns.provider": "dyndns" })).toThrow(/^dns\.provider must be one of "none", "duckdns", /);
    expect(() => applySettingsChanges(defaultSettings(), { "dns.ipEchoUrl": "ftp://x" })).toThrow("dns.ipEchoUrl must be an http:// or https:// URL (or empty for podhost's built-in list).");
    expect(() => applySettingsChanges(defaultSettings(), { "dns.name": "https://pod.example.org" })).toThrow(/dns\.name is a name only/);
    expect(() => applySettingsChanges(defaultSettings(), { "dns.server": "dyn example" })).toThrow(/dns\.server cannot contain spaces/);
  });

  it("keep the password and token as secrets, never as settings", () => {
    expect(isSecretKey("dns.password")).toBe(true);
    expect(isSecretKey("dns.token")).toBe(true);
    expect(Object.keys(defaultSettings().dns)).not.toContain("token");
  });
});
