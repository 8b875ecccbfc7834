import { Resolver } from "node:dns/promises";
import { UserError } from "../../shared/errors";
import type { Clock } from "../service";

/** How long a new TXT record may take to reach every name server of its zone (certmagic waits 2 minutes too). */
export const propagation = { timeoutMs: 2 * 60_000, intervalMs: 2_000 };

/**
 * The addresses of the name servers of the zone that holds `fqdn` (its NS records, looked up
 * from the name upwards). PODHOST_DNS_SERVER, when set, is the only server asked, as for every
 * other lookup podhost makes. Empty when nothing can be found: then nothing can be checked.
 */
export async function authoritativeServers(fqdn: string, env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const resolver = new Resolver({ timeout: 3000, tries: 2 });
  if (env.PODHOST_DNS_SERVER) resolver.setServers([env.PODHOST_DNS_SERVER]);
  for (let name = fqdn; name.includes("."); name = name.slice(name.indexOf(".") + 1)) {
    const hosts = await resolver.resolveNs(name).catch(() => [] as string[]);
    if (hosts.length === 0) continue;
    const addresses = await Promise.all(hosts.map((host) => resolver.resolve4(host).catch(() => [] as string[])));
    return [...new Set(addresses.flat())];
  }
  return [];
}

/** The TXT values one server itself answers for `fqdn` (undefined: it did not answer). */
async function txtAt(server: string, fqdn: string): Promise<string[] | undefined> {
  const resolver = new Resolver({ timeout: 3000, tries: 1 });
  resolver.setServers([server]);
  try {
    return (await resolver.resolveTxt(fqdn)).map((chunks) => chunks.join(""));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === "ENODATA" || code === "ENOTFOUND" ? [] : undefined;
  }
}

/**
 * Resolves once every authoritative server answers `value` for `fqdn`, so the CA's lookup
 * (from anywhere) finds it: a slow provider must not cost a failed validation, which CAs count
 * against the account. Servers that never answer at all cannot be checked and are left out.
 * Throws a plain dns.* error when they still do not serve it after `propagation.timeoutMs`.
 */
export async function waitUntilServed(fqdn: string, value: string, options: { servers: string[]; clock: Clock; provider: string }): Promise<void> {
  const { servers, clock } = options;
  if (servers.length === 0) return;
  const deadline = clock.now() + propagation.timeoutMs;
  for (;;) {
    const answers = await Promise.all(servers.map((server) => txtAt(server, fqdn)));
    const lacking = servers.filter((_, index) => answers[index] !== undefined && !answers[index]!.includes(value));
    if (lacking.length === 0) return;
    if (clock.now() >= deadline) {
      throw new UserError({
        code: "dns-txt-not-served",
        field: "dns.provider",
        message: `${options.provider} took the TXT record ${fqdn}, but the name servers ${lacking.join(", ")} still did not serve it after ${propagation.timeoutMs / 60_000} minutes, so podhost did not ask the certificate authority to look.`,
        fix: "Nothing to change if the provider is only slow: podhost tries again later. If it keeps happening, check that the name is in the zone this provider serves (dns.name).",
      });
    }
    await new Promise<void>((resolve) => clock.setTimeout(resolve, propagation.intervalMs));
  }
}
