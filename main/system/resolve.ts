import { lookup, Resolver } from "node:dns/promises";

/**
 * The IPv4 addresses a name points at, as the internet sees it. With PODHOST_DNS_SERVER=host:port
 * every question goes to that one server instead of the system's resolver: for a split-horizon
 * network, and for tests, which keep all DNS traffic on loopback this way.
 */
export async function resolveIpv4(name: string, env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const server = env.PODHOST_DNS_SERVER;
  if (!server) return (await lookup(name, { all: true, family: 4 })).map((answer) => answer.address);
  const resolver = new Resolver({ timeout: 3000, tries: 2 });
  resolver.setServers([server]);
  return resolver.resolve4(name);
}
