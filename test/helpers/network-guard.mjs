// Preloaded (node --import) into every podhost daemon the tests start: name lookups answer only
// the test's own names (PODHOST_TEST_NAMES, plus localhost) with 127.0.0.1 and refuse every other
// name, so a bug can never send a request off this machine. IP literals pass through untouched.
import dns from "node:dns";
import net from "node:net";
import { syncBuiltinESMExports } from "node:module";
const names = new Set(JSON.parse(process.env.PODHOST_TEST_NAMES ?? "[]"));
const answer = (host) => (host === "localhost" || names.has(String(host).toLowerCase()) ? "127.0.0.1" : undefined);
const notFound = (host) => Object.assign(new Error("queryA ENOTFOUND " + host + " (tests resolve only their own names)"), { code: "ENOTFOUND", hostname: host });
const realLookup = dns.lookup;
dns.lookup = (host, options, callback) => {
  if (typeof options === "function") { callback = options; options = {}; }
  if (net.isIP(host)) return realLookup(host, options, callback);
  const ip = answer(host);
  const all = typeof options === "object" && options !== null && options.all;
  process.nextTick(() => (ip ? (all ? callback(null, [{ address: ip, family: 4 }]) : callback(null, ip, 4)) : callback(notFound(host))));
};
dns.promises.lookup = async (host, options) => {
  if (net.isIP(host)) return options && options.all ? [{ address: host, family: net.isIP(host) }] : { address: host, family: net.isIP(host) };
  const ip = answer(host);
  if (!ip) throw notFound(host);
  return options && options.all ? [{ address: ip, family: 4 }] : { address: ip, family: 4 };
};
const resolve4 = async (host) => { const ip = answer(host); if (!ip) throw notFound(host); return [ip]; };
dns.promises.resolve4 = resolve4;
dns.promises.Resolver.prototype.resolve4 = resolve4;
dns.resolve4 = (host, ...rest) => { const callback = rest.pop(); resolve4(host).then((a) => callback(null, a), callback); };
// No other record type (NS, TXT, SOA, ...) is answered: a lookup of a zone's name servers (DNS-01's
// propagation check) finds none, so it checks nothing instead of asking a server off this machine.
const refuse = async (host) => { throw notFound(host); };
for (const method of ["resolve", "resolve6", "resolveAny", "resolveCaa", "resolveCname", "resolveMx", "resolveNaptr", "resolveNs", "resolvePtr", "resolveSoa", "resolveSrv", "resolveTxt", "reverse"]) {
  dns.promises[method] = refuse;
  dns.promises.Resolver.prototype[method] = refuse;
}
syncBuiltinESMExports();
// IP literals too: a TCP connection to anything but loopback fails at once (the doctor probes the
// public address it detected, and in these tests that address is a stand-in that exists nowhere).
const isLoopback = (host) => /^127\./.test(host) || host === "::1" || /^::ffff:127\./i.test(host);
const realConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  const first = args[0];
  const options = Array.isArray(first) ? first[0] : typeof first === "object" && first !== null ? first : { port: first, host: typeof args[1] === "string" ? args[1] : undefined };
  const host = options?.host;
  if (!options?.path && typeof host === "string" && net.isIP(host) && !isLoopback(host)) {
    process.nextTick(() => this.destroy(Object.assign(new Error(`connect ECONNREFUSED ${host} (tests connect only to loopback)`), { code: "ECONNREFUSED", address: host })));
    return this;
  }
  return realConnect.apply(this, args);
};
