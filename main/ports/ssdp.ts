import { createSocket, type Socket } from "node:dgram";
import type { LanInterface } from "./lan";

export interface SsdpTarget {
  address: string;
  port: number;
}

export const ssdpMulticast: SsdpTarget = { address: "239.255.255.250", port: 1900 };

/** Both IGD versions, and the connection service itself for routers that only answer that. */
const searchTargets = [
  "urn:schemas-upnp-org:device:InternetGatewayDevice:2",
  "urn:schemas-upnp-org:device:InternetGatewayDevice:1",
  "urn:schemas-upnp-org:service:WANIPConnection:2",
  "urn:schemas-upnp-org:service:WANIPConnection:1",
  "urn:schemas-upnp-org:service:WANPPPConnection:1",
];

/** When to repeat the M-SEARCHes (ms after the start): UDP gets lost, routers answer late. */
const searchSchedule = [0, 250, 750, 1750, 3500];

export interface SsdpAnswer {
  location: string;
  /** The address of the interface the answer came in on. */
  localAddress: string;
}

/**
 * Send M-SEARCHes on every LAN interface until `stop()`; `onAnswer` gets each distinct
 * device description URL once.
 */
export function searchGateways(interfaces: LanInterface[], target: SsdpTarget, onAnswer: (answer: SsdpAnswer) => void): { stop(): void } {
  const sockets: Socket[] = [];
  const timers: NodeJS.Timeout[] = [];
  const seen = new Set<string>();
  for (const iface of interfaces) {
    const socket = createSocket({ type: "udp4", reuseAddr: true });
    sockets.push(socket);
    socket.on("error", () => socket.close());
    socket.on("message", (message) => {
      const location = /^location:\s*(\S+)/im.exec(message.toString("latin1"))?.[1];
      if (!location || seen.has(location)) return;
      seen.add(location);
      onAnswer({ location, localAddress: iface.address });
    });
    socket.bind({ address: iface.address, port: 0 }, () => {
      try {
        if (target.address === ssdpMulticast.address) {
          socket.setMulticastInterface(iface.address);
          socket.setMulticastTTL(2);
        }
      } catch {
        // The interface cannot do multicast: the search on it simply finds nothing.
      }
      for (const delay of searchSchedule) timers.push(setTimeout(() => sendSearches(socket, target), delay));
    });
  }
  return {
    stop() {
      for (const timer of timers) clearTimeout(timer);
      for (const socket of sockets) {
        try {
          socket.close();
        } catch {
          // already closed after an error
        }
      }
    },
  };
}

/** One M-SEARCH for a search target (MX 1: routers answer within a second). */
export function searchRequest(st: string): string {
  return `M-SEARCH * HTTP/1.1\r\nHOST: ${ssdpMulticast.address}:${ssdpMulticast.port}\r\nMAN: "ssdp:discover"\r\nMX: 1\r\nST: ${st}\r\n\r\n`;
}

function sendSearches(socket: Socket, target: SsdpTarget): void {
  for (const st of searchTargets) {
    try {
      socket.send(searchRequest(st), target.port, target.address, () => undefined);
    } catch {
      // The socket closed after an error: this interface is out of the search.
    }
  }
}

export interface SsdpAlive {
  /** Who sent it. */
  from: string;
  location: string;
}

/**
 * Listen for the routers' ssdp:alive announcements (NOTIFY to 239.255.255.250:1900) on every LAN
 * interface: a router that restarted announces itself at once, so podhost need not wait for the
 * next read-back. Other SSDP listeners on this PC keep working (the port is shared).
 */
export function listenForAlive(interfaces: LanInterface[], onAlive: (alive: SsdpAlive) => void): { stop(): void } {
  const socket = createSocket({ type: "udp4", reuseAddr: true });
  let closed = false;
  socket.on("error", () => stop());
  socket.on("message", (message, from) => {
    const text = message.toString("latin1");
    if (!/^NOTIFY \*/.test(text) || !/^nts:\s*ssdp:alive/im.test(text)) return;
    const location = /^location:\s*(\S+)/im.exec(text)?.[1];
    if (location) onAlive({ from: from.address, location });
  });
  socket.bind(ssdpMulticast.port, () => {
    for (const iface of interfaces) {
      try {
        socket.addMembership(ssdpMulticast.address, iface.address);
      } catch {
        // An interface that cannot join the group simply hears nothing.
      }
    }
  });
  function stop(): void {
    if (closed) return;
    closed = true;
    socket.close();
  }
  return { stop };
}
