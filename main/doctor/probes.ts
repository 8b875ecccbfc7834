import { resolveIpv4 } from "../system/resolve";
import { connect as tcpConnect } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { lanInterfaces } from "../ports/lan";
import type { CertificateProbe, DoctorProbes } from "./diagnose";

const probeTimeoutMs = 3000;

/** The doctor's real questions: TLS to the local proxy, DNS, a TCP connection to the public address. */
export const realProbes: DoctorProbes = {
  proxyCertificate,
  lanAddresses: () => lanInterfaces().map((i) => i.address),
  resolve: async (domain) => resolveIpv4(domain).catch(() => []),
  hairpin,
  now: () => Date.now(),
};

function proxyCertificate(port: number, servername: string): Promise<CertificateProbe> {
  return new Promise((resolve) => {
    // A diagnosis, not a client: it sends nothing over this socket, only reads the certificate and
    // reports whether it is trusted (socket.authorized), so it can name a wrong or self-signed one.
    const socket = tlsConnect({ host: "127.0.0.1", port, ...(servername ? { servername } : {}), rejectUnauthorized: false, timeout: probeTimeoutMs });
    socket.once("secureConnect", () => {
      const cert = socket.getPeerCertificate();
      const names = (cert.subjectaltname ?? "")
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s.startsWith("DNS:"))
        .map((s) => s.slice(4));
      if (!names.length && typeof cert.subject?.CN === "string") names.push(cert.subject.CN);
      resolve({ answered: true, names, validTo: Date.parse(cert.valid_to), trusted: socket.authorized });
      socket.destroy();
    });
    socket.once("timeout", () => {
      resolve({ answered: false, error: `no TLS answer within ${probeTimeoutMs / 1000} s` });
      socket.destroy();
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve({ answered: false, error: error.code === "ECONNREFUSED" ? "connection refused" : error.message }));
  });
}

/**
 * Through the public address, does the proxy answer? Not just a TCP connect (a firewall or a
 * relay may accept and drop): a TLS handshake for HTTPS, a first byte of an HTTP answer for HTTP.
 */
function hairpin(ip: string, port: number, kind: "https" | "http", servername: string): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (answered: boolean) => {
      resolve(answered);
      socket.destroy();
    };
    const socket =
      kind === "https"
        ? tlsConnect({ host: ip, port, ...(servername ? { servername } : {}), rejectUnauthorized: false, timeout: probeTimeoutMs }, () => done(true))
        : tcpConnect({ host: ip, port, timeout: probeTimeoutMs }, () => socket.write(`HEAD / HTTP/1.1\r\nHost: ${servername || ip}\r\nConnection: close\r\n\r\n`));
    if (kind === "http") socket.once("data", () => done(true));
    socket.once("timeout", () => done(false));
    socket.once("error", () => resolve(false));
    socket.once("close", () => resolve(false));
  });
}
