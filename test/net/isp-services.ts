/**
 * The internet's side of a network test, run inside the "isp" namespace
 * (`ip netns exec ISP node --import tsx isp-services.ts '{...}'`): pebble (its DNS server sends
 * every name to the router's WAN address), the DuckDNS stand-in and an address echo, all on the
 * isp address. It prints one JSON line with their addresses and stops everything when stdin ends.
 */
import { startDdnsFixture } from "../fixtures/ddns";
import { startPebble } from "../fixtures/pebble/harness";

const { ispAddress, wanAddress, duckName, duckToken } = JSON.parse(process.argv[2] ?? "{}") as { ispAddress: string; wanAddress: string; duckName: string; duckToken: string };
const pebble = await startPebble({ httpPort: 80, tlsPort: 443, host: ispAddress, namesResolveTo: wanAddress });
const duck = await startDdnsFixture("duckdns", { name: duckName, token: duckToken, host: ispAddress });
const echo = await startDdnsFixture("echo", { address: wanAddress, host: ispAddress });
process.stdout.write(`${JSON.stringify({ directoryUrl: pebble.directoryUrl, listenerCaPem: pebble.listenerCaPem, rootPem: await pebble.rootPem(), dnsServer: pebble.dnsServer, duckBase: duck.baseUrl, echoBase: echo.baseUrl })}\n`);
process.stdin.resume();
process.stdin.on("end", async () => {
  await Promise.all([pebble.stop(), duck.close(), echo.close()]);
  process.exit(0);
});
