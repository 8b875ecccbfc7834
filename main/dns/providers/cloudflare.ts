import { dnsProviderInfo } from "../../../shared/dns";
import { ProviderError, type ProviderConfig, type ProviderModule, type ProviderReply } from "./types";

interface CloudflareRecord {
  id: string;
  type: string;
  name: string;
  content: string;
}

/** A non-success answer of the Cloudflare API, with what it means for the engine. */
class CloudflareRefusal extends Error {
  constructor(readonly reply: ProviderReply) {
    super(`Cloudflare answered "${reply.answer}": ${reply.meaning}.`);
  }
}

const authCodes = new Set([6003, 6111, 9109, 10000]);

async function api<T>(config: ProviderConfig, method: string, path: string, body?: unknown): Promise<T> {
  const reply = await config.http.request(`${config.server.replace(/\/$/, "")}/client/v4${path}`, {
    method,
    headers: { authorization: `Bearer ${config.token}`, "content-type": "application/json" },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  let parsed: { success?: boolean; errors?: { code: number; message: string }[]; result?: T } = {};
  try {
    parsed = JSON.parse(reply.body) as typeof parsed;
  } catch {
    // Not JSON (a proxy's error page): judged by the HTTP status below.
  }
  if (parsed.success === true) return parsed.result as T;
  const errors = parsed.errors ?? [];
  const answer = errors.length ? errors.map((e) => `${e.code} ${e.message}`).join("; ") : `HTTP ${reply.status}`;
  if (reply.status === 401 || reply.status === 403 || errors.some((e) => authCodes.has(e.code))) {
    throw new CloudflareRefusal({ verdict: "fatal", answer, meaning: "the API token is wrong, or lacks the permissions Zone:DNS:Edit and Zone:Read" });
  }
  if (reply.status === 429) throw new CloudflareRefusal({ verdict: "wait", answer, meaning: "Cloudflare says podhost sent too many requests" });
  if (reply.status >= 500 || reply.status === 200) throw new CloudflareRefusal({ verdict: "retry", answer, meaning: "Cloudflare's API has a problem" });
  throw new CloudflareRefusal({ verdict: "fatal", answer, meaning: "Cloudflare refused the change" });
}

/** The zone holding `name`: pod.example.org is tried as is, then example.org. */
async function findZone(config: ProviderConfig, name: string): Promise<string> {
  const labels = name.split(".");
  for (let i = 0; i < labels.length - 1; i++) {
    const zones = await api<{ id: string }[]>(config, "GET", `/zones?${new URLSearchParams({ name: labels.slice(i).join(".") })}`);
    if (zones[0]) return zones[0].id;
  }
  throw new CloudflareRefusal({ verdict: "fatal", answer: "no zone", meaning: `no zone in this Cloudflare account holds ${name} (or the token cannot read it)` });
}

function recordsNamed(config: ProviderConfig, zone: string, type: string, name: string): Promise<CloudflareRecord[]> {
  return api<CloudflareRecord[]>(config, "GET", `/zones/${zone}/dns_records?${new URLSearchParams({ type, name })}`);
}

/** Sets one record of `type` to `content`: creates it when missing, PATCHes it when different. */
async function setAddress(config: ProviderConfig, zone: string, type: "A" | "AAAA", content: string): Promise<string> {
  const [record] = await recordsNamed(config, zone, type, config.name);
  if (!record) {
    await api(config, "POST", `/zones/${zone}/dns_records`, { type, name: config.name, content, ttl: 1, proxied: false });
    return `${type} created`;
  }
  if (record.content === content) return `${type} unchanged`;
  await api(config, "PATCH", `/zones/${zone}/dns_records/${record.id}`, { content });
  return `${type} updated`;
}

/** Cloudflare may show TXT content with the quotes of the zone file. */
const unquote = (text: string) => text.replace(/^"(.*)"$/, "$1");

export const cloudflare: ProviderModule = {
  id: "cloudflare",
  info: dnsProviderInfo.cloudflare,
  async update(config, addresses) {
    try {
      const zone = await findZone(config, config.name);
      const done: string[] = [];
      if (addresses.ipv4) done.push(await setAddress(config, zone, "A", addresses.ipv4));
      if (addresses.ipv6) done.push(await setAddress(config, zone, "AAAA", addresses.ipv6));
      return { verdict: "accepted", answer: done.join(", "), meaning: "the records hold the address" };
    } catch (error) {
      if (error instanceof CloudflareRefusal) return error.reply;
      throw error;
    }
  },
  txt(config) {
    const inZone = async <T>(fqdn: string, action: (zone: string) => Promise<T>) => {
      try {
        return await action(await findZone(config, fqdn));
      } catch (error) {
        throw error instanceof CloudflareRefusal ? new ProviderError(error.message) : error;
      }
    };
    return {
      setTxt: (fqdn, value) => inZone(fqdn, (zone) => api(config, "POST", `/zones/${zone}/dns_records`, { type: "TXT", name: fqdn, content: value, ttl: 120 })).then(() => undefined),
      removeTxt: (fqdn, value) =>
        inZone(fqdn, async (zone) => {
          for (const record of await recordsNamed(config, zone, "TXT", fqdn)) {
            if (unquote(record.content) === value) await api(config, "DELETE", `/zones/${zone}/dns_records/${record.id}`);
          }
        }),
    };
  },
};
