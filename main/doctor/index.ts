import type { DoctorReport } from "../../shared/doctor";
import type { CertsStatus } from "../../shared/certs";
import type { DnsStatus } from "../../shared/dns";
import type { PortsStatus } from "../../shared/ports";
import type { ServiceStatus } from "../../shared/service-status";
import type { Settings } from "../../shared/settings";
import type { ProxyListeners } from "../contracts";
import { diagnose, type DoctorProbes } from "./diagnose";
import { realProbes } from "./probes";

export interface DoctorDeps {
  settings: () => Settings;
  podStatus: () => ServiceStatus;
  proxyListeners: () => ProxyListeners;
  portsStatus: () => PortsStatus;
  proxyStatus: () => ServiceStatus;
  certsStatus: () => CertsStatus;
  dnsStatus: () => DnsStatus;
  /** Replace some of the real probes (tests, or a resolver of the user's choice). */
  probes?: Partial<DoctorProbes>;
}

export interface Doctor {
  /** Check every hop from the internet to the pod (`doctor.run`, `podhost doctor`). */
  run(): Promise<DoctorReport>;
}

export function createDoctor(deps: DoctorDeps): Doctor {
  const probes: DoctorProbes = { ...realProbes, ...deps.probes };
  return {
    run() {
      const settings = deps.settings();
      return diagnose(
        {
          domain: settings.domain,
          httpsPort: deps.proxyListeners().httpsPort,
          httpPort: deps.proxyListeners().httpPort,
          externalHttpsPort: settings.ports.externalHttpsPort,
          externalHttpPort: settings.ports.externalHttpPort,
          upnp: settings.ports.upnp,
          mapHttp: settings.ports.mapHttp,
          certsMode: settings.certs.mode,
          challenge: settings.certs.acme.challenge,
          pod: deps.podStatus(),
          proxy: deps.proxyStatus(),
          ports: deps.portsStatus(),
          certs: deps.certsStatus(),
          dns: deps.dnsStatus(),
        },
        probes,
      );
    },
  };
}

export type { CertificateProbe, DoctorFacts, DoctorProbes } from "./diagnose";
export { diagnose } from "./diagnose";
