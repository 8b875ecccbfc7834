import { dnsProviderInfo, type DnsAddresses } from "../../../shared/dns";
import { basicAuth } from "../http";
import { shortAnswer, unexpected, worst, type ProviderConfig, type ProviderModule, type ProviderReply, type Verdict } from "./types";

/** The dyndns2 return codes (ddclient's and inadyn's reading of them). */
const codes: Record<string, { verdict: Verdict; meaning: string }> = {
  good: { verdict: "accepted", meaning: "the address was updated" },
  nochg: { verdict: "accepted", meaning: "the provider already had this address" },
  badauth: { verdict: "fatal", meaning: "the user name or password is wrong" },
  "!donator": { verdict: "fatal", meaning: "this needs a paid account with the provider" },
  notfqdn: { verdict: "fatal", meaning: "the name is not a full domain name like pod.example.org" },
  nohost: { verdict: "fatal", meaning: "this name does not exist in your account" },
  numhost: { verdict: "fatal", meaning: "too many names were sent in one update" },
  badagent: { verdict: "fatal", meaning: "the provider blocked this client" },
  abuse: { verdict: "fatal", meaning: "the provider blocked updates for this name because of too many updates" },
  "911": { verdict: "wait", meaning: "the provider has trouble on its side" },
  dnserr: { verdict: "wait", meaning: "the provider has a DNS problem on its side" },
};

/** Read the body whatever the HTTP status: Hurricane Electric answers 200 with "badauth", others 401. */
export function parseDyndns2(status: number, body: string): ProviderReply {
  const lines = body.trim().split(/\r?\n/).filter((l) => l.trim() !== "");
  const replies = lines.map((line) => {
    const known = codes[line.trim().split(/\s+/)[0]!];
    return known ? { verdict: known.verdict, answer: shortAnswer(line), meaning: known.meaning } : undefined;
  });
  if (replies.length === 0 || replies.includes(undefined)) return unexpected(status, body);
  return (replies as ProviderReply[]).reduce(worst);
}

type Ipv6Style = "myipv6" | "separate" | "none";

function dyndns2Provider(id: "dyndns2" | "noip" | "dynu" | "he" | "dnsomatic", ipv6: Ipv6Style): ProviderModule {
  const send = async (config: ProviderConfig, query: Record<string, string>) => {
    const url = new URL(updateUrl(config.server));
    url.search = new URLSearchParams({ hostname: config.name, ...query }).toString();
    const reply = await config.http.request(url.toString(), { headers: { authorization: basicAuth(config.username, config.password) } });
    return parseDyndns2(reply.status, reply.body);
  };
  return {
    id,
    info: dnsProviderInfo[id],
    async update(config, addresses: DnsAddresses) {
      const v4 = addresses.ipv4;
      const v6 = ipv6 === "none" ? undefined : addresses.ipv6;
      if (ipv6 === "myipv6") return send(config, { ...(v4 ? { myip: v4 } : {}), ...(v6 ? { myipv6: v6 } : {}) });
      // One family per request (Hurricane Electric): A first, then AAAA.
      let reply: ProviderReply | undefined;
      for (const ip of [v4, v6].filter((a): a is string => a !== undefined)) {
        const next = await send(config, { myip: ip });
        reply = reply ? worst(reply, next) : next;
        if (next.verdict !== "accepted") break;
      }
      return reply ?? { verdict: "retry", answer: "", meaning: "there was no address to send" };
    },
  };
}

/** A base URL gets the standard path; a URL with a path is used as given. */
function updateUrl(server: string): string {
  const url = new URL(server);
  if (url.pathname === "/" || url.pathname === "") url.pathname = "/nic/update";
  return url.toString();
}

export const dyndns2 = dyndns2Provider("dyndns2", "none");
export const noip = dyndns2Provider("noip", "myipv6");
export const dynu = dyndns2Provider("dynu", "myipv6");
export const he = dyndns2Provider("he", "separate");
export const dnsomatic = dyndns2Provider("dnsomatic", "none");
