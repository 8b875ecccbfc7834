import { dnsProviderInfo } from "../../../shared/dns";
import { unexpected, type ProviderConfig, type ProviderModule, type ProviderReply } from "./types";

/**
 * FreeDNS (afraid.org) replies in sentences: "Updated 1 host(s) ...", "No IP change detected ...",
 * "ERROR: Address ... has not changed.", "ERROR: Unable to locate this record ...".
 */
export function parseFreedns(status: number, body: string): ProviderReply {
  const text = body.trim().split(/\r?\n/)[0] ?? "";
  if (/^Updated /.test(text) || /^No IP change detected/.test(text) || /has not changed/.test(text)) {
    return { verdict: "accepted", answer: text, meaning: "the record holds the address" };
  }
  if (/^ERROR/i.test(text)) {
    return { verdict: "fatal", answer: text, meaning: "FreeDNS does not know this update token (copy it, or the whole update URL, from the record's Dynamic DNS page)" };
  }
  return unexpected(status, body);
}

/**
 * The user may paste the token or the record's whole update URL, of either generation:
 * v2 `https://sync.afraid.org/u/<token>/` or v1 `https://freedns.afraid.org/dynamic/update.php?<token>`.
 * Only the token is taken from it: the host is always dns.server (or the default).
 */
function updateUrl(config: ProviderConfig, address: string): URL {
  const v1 = /update\.php\?([^&\s]+)/.exec(config.token)?.[1];
  if (v1) {
    const url = new URL("/dynamic/update.php", config.server === dnsProviderInfo.freedns.defaultServer ? "https://freedns.afraid.org" : config.server);
    url.search = `${encodeURIComponent(v1)}&${new URLSearchParams({ address })}`;
    return url;
  }
  const v2 = /\/u\/([^/\s?]+)/.exec(config.token)?.[1] ?? config.token;
  const url = new URL(`/u/${encodeURIComponent(v2)}/`, config.server);
  url.search = new URLSearchParams({ address }).toString();
  return url;
}

export const freedns: ProviderModule = {
  id: "freedns",
  info: dnsProviderInfo.freedns,
  async update(config, addresses) {
    const reply = await config.http.request(updateUrl(config, addresses.ipv4 ?? "").toString());
    return parseFreedns(reply.status, reply.body);
  },
};
