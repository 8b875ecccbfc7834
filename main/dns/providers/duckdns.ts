import { dnsProviderInfo } from "../../../shared/dns";
import { ProviderError, unexpected, type ProviderConfig, type ProviderModule, type ProviderReply } from "./types";

/** DuckDNS wants the sub-domain only: "mypod", not "mypod.duckdns.org". */
function subdomain(name: string): string {
  return name.replace(/\.duckdns\.org$/, "");
}

async function call(config: ProviderConfig, params: Record<string, string>): Promise<{ status: number; body: string }> {
  const url = new URL("/update", config.server);
  url.search = new URLSearchParams({ domains: subdomain(config.name), token: config.token, ...params, verbose: "true" }).toString();
  return config.http.request(url.toString());
}

/** Verbose replies: "OK\n<ipv4>\n<ipv6>\nUPDATED|NOCHANGE", or "KO" (wrong token or domain, DuckDNS does not say which). */
function parse(status: number, body: string): ProviderReply {
  const lines = body.trim().split(/\r?\n/);
  if (lines[0] === "OK") return { verdict: "accepted", answer: ["OK", lines[3]].filter(Boolean).join(" "), meaning: lines[3] === "NOCHANGE" ? "DuckDNS already had this address" : "the address was updated" };
  if (lines[0] === "KO") return { verdict: "fatal", answer: "KO", meaning: "the token or the domain is wrong (DuckDNS does not say which)" };
  return unexpected(status, body);
}

export const duckdns: ProviderModule = {
  id: "duckdns",
  info: dnsProviderInfo.duckdns,
  async update(config, addresses) {
    const reply = await call(config, { ip: addresses.ipv4 ?? "", ...(addresses.ipv6 ? { ipv6: addresses.ipv6 } : {}) });
    return parse(reply.status, reply.body);
  },
  // DuckDNS keeps one TXT record per domain, whatever the name in front of it.
  txt(config) {
    const change = async (params: Record<string, string>) => {
      const { status, body } = await call(config, params);
      const reply = parse(status, body);
      if (reply.verdict !== "accepted") throw new ProviderError(`DuckDNS refused the TXT record: it answered "${reply.answer}" (${reply.meaning}).`);
    };
    return {
      setTxt: (_fqdn, value) => change({ txt: value }),
      removeTxt: () => change({ txt: "", clear: "true" }),
    };
  },
};
