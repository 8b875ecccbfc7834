import type { ComponentType } from "react";
import type { ServiceName, StatusSnapshot } from "../../shared/status";
import { DomainDetails } from "../dns/DomainDetails";
import { NetworkDetails } from "../network/NetworkDetails";
import { PodDetails } from "../pod/PodDetails";
import { ProxyDetails } from "../proxy/ProxyDetails";
import { CertDetails } from "../certs/CertDetails";
import { BackupCardProgress } from "../backup/BackupProgress";
import { InstallStatusDetails } from "../install/InstallStatusDetails";

/**
 * Extension point: capability widgets shown inside a service's card on the Status page, after
 * its message and next action (e.g. the doctor's path picture under "Network").
 * Add a component to the list of its service; it gets the whole snapshot. Use
 * components/CommandButton for buttons that run a control API command.
 */
export interface StatusExtraProps {
  status: StatusSnapshot;
}

export const statusCardExtras: Partial<Record<ServiceName, ComponentType<StatusExtraProps>[]>> = {
  pod: [PodDetails, InstallStatusDetails],
  proxy: [ProxyDetails],
  dns: [DomainDetails],
  ports: [NetworkDetails],
  certs: [CertDetails],
  backup: [BackupCardProgress],
};
