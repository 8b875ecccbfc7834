import { describe, expect, it } from "vitest";
import { applySettingsChanges, defaultSettings } from "../../shared/settings";
import { UserError } from "../../shared/errors";

function refusal(directoryUrl: string): UserError {
  try {
    applySettingsChanges(defaultSettings(), { "certs.acme.directoryUrl": directoryUrl });
  } catch (error) {
    return error as UserError;
  }
  throw new Error(`${directoryUrl} was accepted`);
}

describe("certs.acme.directoryUrl", () => {
  it("refuses http:// and ftp:// (RFC 8555: ACME is HTTPS only), naming the field and the fix", () => {
    for (const url of ["http://acme.example.org/directory", "ftp://acme.example.org/directory", "http://127.0.0.1:14000/dir"]) {
      const error = refusal(url);
      expect(error.field).toBe("certs.acme.directoryUrl");
      expect(error.message).toBe("certs.acme.directoryUrl must be an https:// URL (ACME works over HTTPS only), like https://acme-v02.api.letsencrypt.org/directory.");
    }
  });

  it("accepts https, including a test CA on loopback such as pebble", () => {
    for (const url of ["https://acme-staging-v02.api.letsencrypt.org/directory", "https://127.0.0.1:14000/dir"]) {
      expect(applySettingsChanges(defaultSettings(), { "certs.acme.directoryUrl": url }).certs.acme.directoryUrl).toBe(url);
    }
  });
});
