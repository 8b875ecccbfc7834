import type { ComponentType } from "react";
import type { ServiceName, StatusSnapshot } from "../../shared/status";
import { DomainDetails } from "../dns/DomainDetails";
import { NetworkDetails } from "../network/NetworkDetails";

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
  dns: [DomainDetails],
  ports: [NetworkDetails],
};
