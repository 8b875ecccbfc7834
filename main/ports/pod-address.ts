import { podUrl, type PodAddressCheck } from "../../shared/ports";
import { describeMappingError } from "./mapper";
import { removeIfOurs, reservePort } from "./map-port";
import type { PortsController } from "./service";

/** A short lease: the check's mapping must not outlive it even if the removal is lost. */
const checkLeaseSeconds = 120;

/**
 * Before the pod's first start: ask the router for the external HTTPS port (443 unless the
 * user chose another), remove the test mapping, and say what the pod's permanent address will be.
 */
export async function checkPodAddress(controller: PortsController, domain: string): Promise<PodAddressCheck> {
  let result: PodAddressCheck | undefined;
  await controller.enqueue(async () => {
    result = await probe(controller, domain);
  });
  return result ?? { accepted443: false, podUrl: podUrl(domain, 443), message: controller.status().message };
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
  try {
    const reserved = await reservePort(mapper, want, checkLeaseSeconds, "podhost check");
    await removeIfOurs(mapper, reserved.externalPort, want.internalPort);
    return verdict(domain, want.externalPort, reserved.externalPort);
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
