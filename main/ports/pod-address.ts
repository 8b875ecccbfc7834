import type { UserErrorInfo } from "../../shared/errors";
import { podUrl, type PodAddressCheck } from "../../shared/ports";
import { describeMappingError } from "./mapper";
import { removeIfOurs, reservePort, type DesiredMapping } from "./map-port";
import type { PortsController } from "./service";

/** A short lease: the check's mapping must not outlive it even if the removal is lost. */
const checkLeaseSeconds = 120;

/**
 * Before the pod's first start: ask the router for the external HTTPS port (443 unless the
 * user chose another) and, when podhost opens it, port 80; remove the test mappings, and say
 * what the pod's permanent address will be.
 */
export async function checkPodAddress(controller: PortsController, domain: string): Promise<PodAddressCheck> {
  let result: PodAddressCheck | undefined;
  await controller.enqueue(async () => {
    result = await probe(controller, domain);
  });
  return result ?? { accepted443: false, podUrl: podUrl(domain, 443), message: controller.status().message };
}

/**
 * Start pod, before the first start: a router that takes the pod's port (or port 80) only as
 * another port stops the start, with the three ways out. After the first start the address is
 * fixed, and the ports service reports the same case as an error.
 */
export async function firstStartProblem(controller: PortsController, domain: string): Promise<UserErrorInfo | undefined> {
  const check = await checkPodAddress(controller, domain);
  const want = (purpose: DesiredMapping["purpose"]) => controller.desired().find((w) => w.purpose === purpose);
  const https = want("https");
  const where = (w: DesiredMapping) => `${controller.lanAddress() ?? "this PC"}:${w.internalPort}`;
  if (https && check.externalPort !== undefined && check.externalPort !== https.externalPort) {
    return {
      code: "router-offers-other-port",
      field: "ports.externalHttpsPort",
      message: `${check.message} So the pod was not started.`,
      fix: `Choose one: allow port ${https.externalPort} for this PC in the router's UPnP/NAT-PMP settings and start again; or forward port ${https.externalPort} to ${where(https)} by hand and turn off "Open ports on my router automatically"; or accept ${check.podUrl} as the pod's address for good: set ports.externalHttpsPort to ${check.externalPort}.`,
    };
  }
  const http = want("http");
  if (http && check.httpPort !== undefined && check.httpPort !== http.externalPort) {
    return {
      code: "router-offers-other-port",
      field: "ports.mapHttp",
      message: `The router does not accept external port ${http.externalPort} for HTTP; it offers ${check.httpPort}, which no certificate authority uses: HTTP-01 validation needs port ${http.externalPort}. So the pod was not started.`,
      fix: `Choose one: allow port ${http.externalPort} for this PC in the router's UPnP/NAT-PMP settings and start again; or forward port ${http.externalPort} to ${where(http)} by hand; or turn off ports.mapHttp and let certificates use TLS-ALPN-01 or DNS-01 (certs.acme.challenge).`,
    };
  }
  return undefined;
}

async function probe(controller: PortsController, domain: string): Promise<PodAddressCheck> {
  const want = controller.desired().find((w) => w.purpose === "https");
  const held = controller.mapped("https");
  if (held) return verdict(domain, want?.externalPort ?? 443, held.externalPort);
  const mapper = await controller.router(false);
  if (!want || !mapper) {
    return {
      accepted443: false,
      podUrl: podUrl(domain, want?.externalPort ?? 443),
      message: `No router answered, so podhost cannot check which port it accepts. If you ${controller.handForward().replace(/\.$/, "")}, the pod's address will be ${podUrl(domain, want?.externalPort ?? 443)}`,
    };
  }
  const offered = async (w: DesiredMapping) => {
    const reserved = await reservePort(mapper, w, checkLeaseSeconds, "podhost check");
    await removeIfOurs(mapper, reserved.externalPort, w.internalPort);
    return reserved.externalPort;
  };
  try {
    const result = verdict(domain, want.externalPort, await offered(want));
    const http = controller.desired().find((w) => w.purpose === "http");
    return http ? { ...result, httpPort: await offered(http) } : result;
  } catch (error) {
    return { accepted443: false, podUrl: podUrl(domain, want.externalPort), message: `The router would not open a port for the pod (${describeMappingError(error)}). If you ${controller.handForward().replace(/\.$/, "")}, the pod's address will be ${podUrl(domain, want.externalPort)}` };
  }
}

function verdict(domain: string, wanted: number, externalPort: number): PodAddressCheck {
  const url = podUrl(domain, externalPort);
  if (externalPort === wanted) {
    return { externalPort, accepted443: externalPort === 443, podUrl: url, message: `The router accepts external port ${externalPort}: the pod's address will be ${url}` };
  }
  return {
    externalPort,
    accepted443: false,
    podUrl: url,
    message: `The router does not accept external port ${wanted}; it offers ${externalPort}. The pod's address would be ${url}, for good: diaspora* makes the port part of every user's ID. To keep ${podUrl(domain, wanted)}, forward port ${wanted} to this PC by hand in the router's settings before the first start.`,
  };
}
