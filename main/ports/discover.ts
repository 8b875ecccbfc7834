import { describeGateway } from "./igd";
import { lanAddressFor, type LanInterface } from "./lan";
import type { PortMapper } from "./mapper";
import { NatPmpClient } from "./natpmp";
import { searchGateways, type SsdpTarget } from "./ssdp";

/** Where discovery looks: the real network by default, loopback stand-ins in tests. */
export interface DiscoveryNetwork {
  interfaces: () => LanInterface[];
  ssdpTarget: SsdpTarget;
  natPmpGateways: () => Promise<string[]>;
  natPmpPort: number;
}

/**
 * Find the router within `timeoutMs`: UPnP IGD first (answers as soon as one gateway
 * describes a WAN connection service), NAT-PMP to the default gateway in parallel as the
 * fallback. Never waits longer than the timeout; undefined means no router answered.
 */
export function discoverRouter(network: DiscoveryNetwork, timeoutMs: number): Promise<PortMapper | undefined> {
  const interfaces = network.interfaces();
  return new Promise((resolve) => {
    let done = false;
    let natPmp: PortMapper | undefined;
    const finish = (mapper: PortMapper | undefined) => {
      if (done) return;
      done = true;
      clearTimeout(deadline);
      search.stop();
      resolve(mapper);
    };
    const deadline = setTimeout(() => finish(natPmp), timeoutMs);
    const search = searchGateways(interfaces, network.ssdpTarget, ({ location, localAddress }) => {
      const routerHost = new URL(location).hostname;
      describeGateway(location, lanAddressFor(routerHost, interfaces) ?? localAddress).then(
        (client) => client && finish(client),
        () => undefined, // an answer whose description cannot be read is no gateway for us
      );
    });
    void probeNatPmp(network, interfaces, timeoutMs).then((mapper) => {
      natPmp = mapper;
    });
  });
}

async function probeNatPmp(network: DiscoveryNetwork, interfaces: LanInterface[], timeoutMs: number): Promise<PortMapper | undefined> {
  // Retries from 250 ms doubling, as many as fit in the discovery time.
  let attempts = 0;
  while (250 * (2 ** (attempts + 1) - 1) <= timeoutMs - 250) attempts++;
  for (const gateway of await network.natPmpGateways()) {
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
