import type { DnsField } from "../../shared/dns";
import type { Settings } from "../../shared/settings";
import type { SecretsReader } from "../store/secrets";
import type { UpdateTarget } from "./engine";
import type { HttpClient } from "./http";
import { providers } from "./providers";

/** Where each missing field is entered, in the user's words. */
const fieldHelp: Record<DnsField, string> = {
  name: "the name to update (dns.name, or the pod's domain)",
  server: "the update server (dns.server)",
  username: "the user name (dns.username)",
  password: "the password (secret dns.password)",
  token: "the token (secret dns.token)",
};

/**
 * Settings -> what the engine needs, or the sentence saying what is missing. A user's
 * mistake never throws: it becomes the status.
 */
export function buildTarget(settings: Settings, secrets: SecretsReader, http: HttpClient): { target?: UpdateTarget; problem?: string } {
  const dns = settings.dns;
  if (dns.provider === "none") return {};
  const provider = providers[dns.provider];
  const config = {
    name: dns.name || settings.domain,
    server: dns.server || provider.info.defaultServer || "",
    username: dns.username,
    password: secrets.get("dns.password") ?? "",
    token: secrets.get("dns.token") ?? "",
    tsigAlgorithm: dns.tsigAlgorithm,
    http,
  };
  const missing = provider.info.fields.map((f) => f.field).filter((field) => config[field] === "");
  if (missing.length > 0) {
    return { problem: `${provider.info.label} needs ${missing.map((f) => fieldHelp[f]).join(", ")}: enter ${missing.length === 1 ? "it" : "them"} in Settings > Domain & DNS.` };
  }
  if (dns.provider === "rfc2136") {
    if (/^[a-z]+:\/\//i.test(config.server)) return { problem: "dns.server must be the DNS server's host or host:port for RFC 2136 (like ns1.example.org:53), not a URL." };
    if (Buffer.from(config.password, "base64").length === 0) return { problem: "The TSIG secret (dns.password) must be base64, as in the key file's secret line." };
  } else if (!/^https?:\/\/[^\s/]+/i.test(config.server)) {
    return { problem: `dns.server must be an https:// URL for ${provider.info.label}; leave it empty to use the provider's own server.` };
  }
  const settingsKey = JSON.stringify([dns, settings.domain, config.password, config.token]);
  return { target: { provider, config, ipv6: dns.ipv6 && provider.info.ipv6, settingsKey } };
}
