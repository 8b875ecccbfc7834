import { dnsProviderInfo } from "../../../shared/dns";
import { basicAuth } from "../http";
import { parseDyndns2 } from "./dyndns2";
import { ProviderError, type ProviderConfig, type ProviderModule, type ProviderReply } from "./types";

const defaultServer = dnsProviderInfo.desec.defaultServer;

/** deSEC updates at update.dedyn.io but manages records at desec.io; a custom server (a test's) serves both. */
function urls(config: ProviderConfig): { update: string; api: string } {
  if (config.server === defaultServer) return { update: `${defaultServer}/`, api: "https://desec.io/api/v1" };
  const base = config.server.replace(/\/$/, "");
  return { update: `${base}/`, api: `${base}/api/v1` };
}

function parseUpdate(status: number, body: string): ProviderReply {
  if (status === 401 || status === 403) return { verdict: "fatal", answer: `HTTP ${status} ${body.trim()}`.trim(), meaning: "the token is wrong, or does not belong to this name" };
  return parseDyndns2(status, body);
}

async function api<T>(config: ProviderConfig, method: string, path: string, body?: unknown): Promise<T> {
  const reply = await config.http.request(`${urls(config).api}${path}`, {
    method,
    headers: { authorization: `Token ${config.token}`, "content-type": "application/json" },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  if (reply.status >= 200 && reply.status < 300) return (reply.body ? JSON.parse(reply.body) : undefined) as T;
  const why = reply.status === 401 || reply.status === 403 ? "the token is wrong or may not change this domain" : reply.body.trim().slice(0, 200);
  throw new ProviderError(`deSEC refused the TXT change (HTTP ${reply.status}): ${why}.`);
}

interface RRset {
  subname: string;
  type: string;
  records: string[];
}

/** Adds or removes one TXT value, keeping the others (several challenges may be pending at once). */
async function changeTxt(config: ProviderConfig, fqdn: string, value: string, add: boolean): Promise<void> {
  const [domain] = await api<{ name: string }[]>(config, "GET", `/domains/?${new URLSearchParams({ owns_qname: fqdn })}`);
  if (!domain) throw new ProviderError(`No domain in this deSEC account holds ${fqdn}.`);
  const subname = fqdn === domain.name ? "" : fqdn.slice(0, -(domain.name.length + 1));
  const path = `/domains/${domain.name}/rrsets/`;
  const [current] = await api<RRset[]>(config, "GET", `${path}?${new URLSearchParams({ subname, type: "TXT" })}`);
  const quoted = `"${value}"`;
  const others = (current?.records ?? []).filter((r) => r !== quoted);
  await api(config, "PATCH", path, [{ subname, type: "TXT", ttl: 3600, records: add ? [...others, quoted] : others }]);
}

export const desec: ProviderModule = {
  id: "desec",
  info: dnsProviderInfo.desec,
  // Both families are always sent: leaving one out would make deSEC delete that record.
  async update(config, addresses) {
    const url = new URL(urls(config).update);
    url.search = new URLSearchParams({ hostname: config.name, myipv4: addresses.ipv4 ?? "preserve", myipv6: addresses.ipv6 ?? "preserve" }).toString();
    const reply = await config.http.request(url.toString(), { headers: { authorization: basicAuth(config.name, config.token) } });
    return parseUpdate(reply.status, reply.body);
  },
  txt(config) {
    return {
      setTxt: (fqdn, value) => changeTxt(config, fqdn, value, true),
      removeTxt: (fqdn, value) => changeTxt(config, fqdn, value, false),
    };
  },
};
