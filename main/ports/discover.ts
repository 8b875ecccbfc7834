import { createSocket } from "node:dgram";
import { describeGateway } from "./igd";
import { lanAddressFor, type LanInterface } from "./lan";
import type { PortMapper } from "./mapper";
import { NatPmpClient } from "./natpmp";
import { searchGateways, searchRequest, ssdpMulticast, type SsdpTarget } from "./ssdp";

/** Where discovery looks: the real network by default, loopback stand-ins in tests. */
export interface DiscoveryNetwork {
  interfaces: () => LanInterface[];
  ssdpTarget: SsdpTarget;
  natPmpGateways: () => Promise<string[]>;
  natPmpPort: number;
}

/**
 * After NAT-PMP answered, how long a UPnP answer may still take before NAT-PMP is taken: a
 * router may delay its M-SEARCH reply by up to MX (1 s). Not waited when the router's SSDP
 * port is closed (it said so at once, over ICMP): that router speaks NAT-PMP only.
 */
const upnpGraceMs = 1000;

/**
 * Find the router within `timeoutMs`. UPnP IGD (multicast M-SEARCH, and unicast to each
 * default gateway) and NAT-PMP to the default gateway run at the same time: an IGD that
 * describes a WAN connection service is taken at once; NAT-PMP is taken as soon as it is
 * clear no UPnP answer is coming. Undefined means no router answered.
 */
export function discoverRouter(network: DiscoveryNetwork, timeoutMs: number): Promise<PortMapper | undefined> {
  const interfaces = network.interfaces();
  return new Promise((resolve) => {
    let done = false;
    let natPmp: PortMapper | undefined;
    const upnpClosed = new Set<string>();
    const timers: NodeJS.Timeout[] = [];
    const stops: (() => void)[] = [];
    const finish = (mapper: PortMapper | undefined) => {
      if (done) return;
      done = true;
      for (const timer of timers) clearTimeout(timer);
      for (const stop of stops) stop();
      resolve(mapper);
    };
    timers.push(setTimeout(() => finish(natPmp), timeoutMs));
    const onLocation = (location: string, localAddress: string) => {
      const routerHost = new URL(location).hostname;
      describeGateway(location, lanAddressFor(routerHost, interfaces) ?? localAddress).then(
        (client) => client && finish(client),
        () => undefined, // an answer whose description cannot be read is no gateway for us
      );
    };
    const search = searchGateways(interfaces, network.ssdpTarget, ({ location, localAddress }) => onLocation(location, localAddress));
    stops.push(() => search.stop());
    void network.natPmpGateways().then((gateways) => {
      if (done) return;
      if (network.ssdpTarget.address === ssdpMulticast.address) {
        for (const gateway of gateways) stops.push(askGatewayDirectly(gateway, onLocation, () => {
          upnpClosed.add(gateway);
          if (natPmp?.routerAddress === gateway) finish(natPmp);
        }));
      }
      void probeNatPmp(network, gateways, interfaces, timeoutMs).then((mapper) => {
        if (!mapper || done) return;
        natPmp = mapper;
        if (upnpClosed.has(mapper.routerAddress)) finish(mapper);
        else timers.push(setTimeout(() => finish(mapper), upnpGraceMs));
      });
    });
  });
}

/**
 * A unicast M-SEARCH to the gateway's SSDP port on a connected socket: a UPnP router answers
 * it like the multicast one; a router without UPnP answers "port unreachable" at once.
 */
function askGatewayDirectly(gateway: string, onLocation: (location: string, localAddress: string) => void, onClosed: () => void): () => void {
  const socket = createSocket("udp4");
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    socket.close();
  };
  socket.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "ECONNREFUSED") onClosed();
    close();
  });
  const seen = new Set<string>();
  socket.on("message", (message) => {
    const location = /^location:\s*(\S+)/im.exec(message.toString("latin1"))?.[1];
    if (!location || seen.has(location)) return;
    seen.add(location);
    onLocation(location, socket.address().address);
  });
  socket.connect(ssdpMulticast.port, gateway, () => {
    if (!closed) socket.send(searchRequest("upnp:rootdevice"), () => undefined);
  });
  return close;
}

async function probeNatPmp(network: DiscoveryNetwork, gateways: string[], interfaces: LanInterface[], timeoutMs: number): Promise<PortMapper | undefined> {
  // Retries from 250 ms doubling, as many as fit in the discovery time.
  let attempts = 0;
  while (250 * (2 ** (attempts + 1) - 1) <= timeoutMs - 250) attempts++;
  for (const gateway of gateways) {
    const lanAddress = lanAddressFor(gateway, interfaces);
    if (!lanAddress) continue;
    const client = new NatPmpClient(gateway, lanAddress, network.natPmpPort);
    try {
      await client.externalIp(Math.max(attempts, 1));
      return client;
    } catch {
      // no NAT-PMP on this gateway
    }
  }
  return undefined;
}
