import { readFile } from "node:fs/promises";
import { networkInterfaces, type NetworkInterfaceInfo } from "node:os";

export interface LanInterface {
  name: string;
  address: string;
  netmask: string;
}

/** Container bridges, VPNs and tunnels: never the way to the home router. */
const virtualInterface = /^(docker|br-|veth|virbr|vnet|tun|tap|wg|tailscale|zt|utun|vmnet|vboxnet|lxc|lxd|cni|flannel|cali|kube|podman|nordlynx|proton|ppp)/i;

/** IPv4 interfaces that can lead to the home router. */
export function lanInterfaces(): LanInterface[] {
  return homeInterfaces(networkInterfaces());
}

/** The IPv4 interfaces of a `networkInterfaces()` listing, without loopback, containers and VPNs. */
export function homeInterfaces(all: NodeJS.Dict<NetworkInterfaceInfo[]>): LanInterface[] {
  const found: LanInterface[] = [];
  for (const [name, addresses] of Object.entries(all)) {
    if (virtualInterface.test(name)) continue;
    for (const a of addresses ?? []) {
      if (a.family === "IPv4" && !a.internal) found.push({ name, address: a.address, netmask: a.netmask });
    }
  }
  return found;
}

function toNumber(ip: string): number {
  return ip.split(".").reduce((n, octet) => (n << 8) + Number(octet), 0) >>> 0;
}

export function sameSubnet(a: string, b: string, netmask: string): boolean {
  const mask = toNumber(netmask);
  return (toNumber(a) & mask) === (toNumber(b) & mask);
}

/** This PC's address on the router's subnet (the one the router can send traffic back to). */
export function lanAddressFor(routerAddress: string, interfaces = lanInterfaces()): string | undefined {
  return interfaces.find((i) => sameSubnet(i.address, routerAddress, i.netmask))?.address;
}

/** The IPv4 default gateways from the kernel's routing table (Linux), for NAT-PMP. */
export async function defaultGateways(): Promise<string[]> {
  let table: string;
  try {
    table = await readFile("/proc/net/route", "utf8");
  } catch {
    return [];
  }
  const gateways: string[] = [];
  for (const line of table.trim().split("\n").slice(1)) {
    const [iface, destination, gateway] = line.trim().split(/\s+/);
    if (!iface || virtualInterface.test(iface) || destination !== "00000000" || !gateway || gateway === "00000000") continue;
    // /proc/net/route holds addresses as little-endian hex.
    const bytes = gateway.match(/../g)!.map((h) => parseInt(h, 16)).reverse();
    gateways.push(bytes.join("."));
  }
  return gateways;
}
