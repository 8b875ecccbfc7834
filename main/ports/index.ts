import type { UserErrorInfo } from "../../shared/errors";
import type { PodAddressCheck, PortsStatus } from "../../shared/ports";
import type { ProxyListeners, RouterView } from "../contracts";
import type { Service, ServiceContext } from "../service";
import type { DiscoveryNetwork } from "./discover";
import { defaultGateways, lanInterfaces } from "./lan";
import { natPmpPort } from "./natpmp";
import { checkPodAddress, firstStartProblem } from "./pod-address";
import { PortsController, type PortsTiming } from "./service";
import { ssdpMulticast } from "./ssdp";

export interface PortsDeps {
  ctx: ServiceContext;
  /** The proxy's ports: the only ones ever mapped (never the control API). */
  proxyListeners: () => ProxyListeners;
  /** Where to look for the router; tests point it at a scripted IGD on loopback. */
  network?: Partial<DiscoveryNetwork>;
  timing?: Partial<PortsTiming>;
}

export interface PortsService extends Service<PortsStatus> {
  readonly router: RouterView;
  /** Before the pod's first start: whether the router takes external 443 and what the pod's address will be. */
  checkPodAddress(domain: string): Promise<PodAddressCheck>;
  /** Before the first start: why the start must stop (the router offers another port than the address's), else undefined. */
  firstStartProblem(domain: string): Promise<UserErrorInfo | undefined>;
  /** Resolves when the router work queued so far is done. */
  settled(): Promise<void>;
}

export function createPortsService(deps: PortsDeps): PortsService {
  const network: DiscoveryNetwork = { interfaces: lanInterfaces, ssdpTarget: ssdpMulticast, natPmpGateways: defaultGateways, natPmpPort, ...deps.network };
  const timing: PortsTiming = { leaseSeconds: 3600, retryMs: 5 * 60_000, checkMs: 30_000, ...deps.timing };
  const controller = new PortsController(deps.ctx, deps.proxyListeners, network, timing);
  return {
    router: { externalIp: async () => controller.externalIp() },
    configure: (settings) => controller.configure(settings),
    start: () => controller.start(),
    stop: () => controller.stop(),
    status: () => controller.status(),
    onChange: (listener) => controller.events.onChange(listener),
    checkPodAddress: (domain) => checkPodAddress(controller, domain),
    firstStartProblem: (domain) => firstStartProblem(controller, domain),
    settled: () => controller.settled(),
  };
}
