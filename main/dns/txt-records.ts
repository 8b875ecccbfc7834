import { UserError } from "../../shared/errors";
import type { TxtRecordWriter } from "../contracts";
import { NetworkError } from "./http";
import { ProviderError, type ProviderModule } from "./providers/types";

/** What to check for each setting a TXT failure can point at, in the user's words. */
const fixFor: Record<string, string> = {
  "dns.server": "Check that dns.server names the right server and that it is up (Settings > Domain & DNS); podhost tries again.",
  "dns.username": "Check the user or key name (dns.username) and what the server allows it to change (Settings > Domain & DNS).",
  "dns.password": "Check the password or key (secret dns.password) under Settings > Domain & DNS.",
  "dns.token": "Check the token (secret dns.token) under Settings > Domain & DNS.",
};
const tsigFix = "Check the TSIG key under Settings > Domain & DNS: its name (dns.username), algorithm (dns.tsigAlgorithm) and secret (dns.password) must match the DNS server's key.";

/**
 * DNS-01 for certs: the provider's TXT writer, with every failure turned into a dns.* problem
 * (what failed, the setting at fault, the fix), so certificates never blame the CA for it, and
 * a set that completes only once `served` says the record can be found.
 */
export function explainedTxtRecords(writer: TxtRecordWriter, provider: ProviderModule, served: (fqdn: string, value: string) => Promise<void>): TxtRecordWriter {
  const explain = (error: unknown): never => {
    const { label } = provider.info;
    if (error instanceof NetworkError) {
      throw new UserError({ code: "dns-unreachable", field: "dns.server", message: `${label}: ${error.message}.`, fix: fixFor["dns.server"]! });
    }
    if (error instanceof ProviderError) {
      const field = error.field ?? credentialOf(provider);
      const fix = provider.id === "rfc2136" && field === "dns.password" ? tsigFix : (fixFor[field] ?? "Check the settings under Settings > Domain & DNS.");
      throw new UserError({ code: "dns-txt-refused", field, message: error.message, fix });
    }
    throw error;
  };
  return {
    // Set, then wait until the zone's name servers serve it: the CA looks right after podhost answers the challenge.
    setTxt: (fqdn, value) => writer.setTxt(fqdn, value).catch(explain).then(() => served(fqdn, value)),
    removeTxt: (fqdn, value) => writer.removeTxt(fqdn, value).catch(explain),
  };
}

/** The secret a provider signs in with: what a refusal most likely points at. */
function credentialOf(provider: ProviderModule): string {
  const fields = provider.info.fields.map((f) => f.field);
  return fields.includes("token") ? "dns.token" : "dns.password";
}
