import { describe, expect, it } from "vitest";
import { applySettingsChanges, defaultSettings } from "../../shared/settings";
import { allowedChallenges, reachChanges, usageDefaults, userIdExample } from "../../shared/setup";

describe("setup decisions", () => {
  it("names the user IDs the pod's address implies, with the port when it is not 443", () => {
    expect(userIdExample(applySettingsChanges(defaultSettings(), { domain: "pod.example.org" }))).toBe("alice@pod.example.org");
    expect(userIdExample(applySettingsChanges(defaultSettings(), { domain: "pod.example.org", "ports.externalHttpsPort": 8443 }))).toBe("alice@pod.example.org:8443");
    expect(userIdExample(defaultSettings())).toBeUndefined();
  });

  it("keeps UPnP off for a PC that already runs a web server, and forwards through it", () => {
    expect(usageDefaults("webserver").changes).toMatchObject({ "webserver.enabled": true, "ports.upnp": false });
    expect(reachChanges(usageDefaults("webserver").reach)).toMatchObject({ "ports.upnp": false, "webserver.enabled": true });
  });

  it("offers TLS-ALPN only where podhost terminates TLS itself, and DNS-01 only with a provider that sets TXT", () => {
    const behindServer = applySettingsChanges(defaultSettings(), { "webserver.enabled": true });
    expect(allowedChallenges(behindServer)).toEqual(["http-01"]);
    const duck = applySettingsChanges(defaultSettings(), { "dns.provider": "duckdns" });
    expect(allowedChallenges(duck)).toEqual(["http-01", "tls-alpn-01", "dns-01"]);
  });
});
