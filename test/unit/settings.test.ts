import { describe, expect, it } from "vitest";
import { applySettingsChanges, defaultSettings, podUrl, settingsFields } from "../../shared/settings";
import { UserError } from "../../shared/errors";

function refusal(changes: Record<string, unknown>): UserError {
  try {
    applySettingsChanges(defaultSettings(), changes);
  } catch (error) {
    if (error instanceof UserError) return error;
    throw error;
  }
  throw new Error("the change was accepted");
}

describe("settings schema", () => {
  it("keeps every feature that talks to the outside world off by default", () => {
    const settings = defaultSettings();
    expect(settings.ports.upnp).toBe(false);
    expect(settings.dns.provider).toBe("none");
    expect(settings.certs.mode).toBe("local");
  });

  it("uses unprivileged proxy ports by default", () => {
    expect(defaultSettings().proxy).toMatchObject({ httpsPort: 8443, httpPort: 8080 });
  });

  it("lists the keys users and scripts rely on, each with a description", () => {
    const keys = settingsFields().map((field) => field.key);
    for (const key of ["domain", "pod.profile", "pod.dir", "pod.command", "pod.args", "pod.cwd", "pod.env", "pod.port", "pod.healthUrl", "proxy.httpsPort", "proxy.httpPort", "certs.mode", "ports.upnp", "dns.provider"]) {
      expect(keys).toContain(key);
    }
    for (const field of settingsFields()) expect(field.description, field.key).not.toBe("");
  });

  it("refuses an out-of-range port, naming the field and what is allowed", () => {
    const error = refusal({ "proxy.httpsPort": 70000 });
    expect(error.field).toBe("proxy.httpsPort");
    expect(error.message).toMatch(/proxy\.httpsPort must be from 1 to 65535/);
  });

  it("refuses a domain with a path, explaining that diaspora* cannot live under a sub-path", () => {
    const error = refusal({ domain: "example.org/pod" });
    expect(error.field).toBe("domain");
    expect(error.message).toMatch(/sub-path/);
  });

  it("refuses a domain with a scheme and says to leave it out", () => {
    expect(refusal({ domain: "https://pod.example.org" }).message).toMatch(/leave out "https:\/\/"/);
  });

  it("refuses a key that does not exist and says how to list them", () => {
    const error = refusal({ "proxy.httpsport": 443 });
    expect(error.code).toBe("unknown-setting");
    expect(error.fix).toMatch(/podhost config get/);
  });

  it("lower-cases the domain and leaves the input settings untouched", () => {
    const before = defaultSettings();
    const after = applySettingsChanges(before, { domain: "Pod.Example.ORG" });
    expect(after.domain).toBe("pod.example.org");
    expect(before.domain).toBe("");
  });

  it("derives the pod's URL, with the port only when it is not 443", () => {
    const at = (domain: string, externalHttpsPort: number) => podUrl(applySettingsChanges(defaultSettings(), { domain, "ports.externalHttpsPort": externalHttpsPort }));
    expect(at("", 443)).toBeUndefined();
    expect(at("pod.example.org", 443)).toBe("https://pod.example.org/");
    expect(at("pod.example.org", 8443)).toBe("https://pod.example.org:8443/");
  });
});
