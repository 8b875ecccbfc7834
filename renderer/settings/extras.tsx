import type { ComponentType } from "react";
import type { SettingsView } from "../../shared/api";
import type { StatusSnapshot } from "../../shared/status";
import type { FormValues, SectionId } from "./sections";
import { DnsUpdatePanel } from "../dns/DnsUpdatePanel";
import { RouterCheckPanel } from "../network/RouterCheckPanel";
import { WebServerPanel } from "../network/WebServerPanel";
import { ResetIdentityPanel } from "../pod/ResetIdentityPanel";
import { CertsPanel } from "../certs/CertsPanel";
import { InstallSettingsPanel } from "../install/InstallSettingsPanel";

/**
 * Extension point: capability widgets shown in a Settings section, below its generated fields
 * (e.g. Domain & DNS "Update now", Certificates "Download the certificate", Network "Existing
 * web server" snippet). Add a component to its section's list. Use components/CommandButton for
 * a button that runs a control API command; call `reload` after a command that changes settings.
 */
export interface SettingsExtraProps {
  view: SettingsView;
  status: StatusSnapshot | null;
  /** The section's current values, typed but maybe not saved yet. */
  values: FormValues;
  reload: () => Promise<void>;
}

export const settingsExtras: Partial<Record<SectionId, ComponentType<SettingsExtraProps>[]>> = {
  pod: [ResetIdentityPanel, InstallSettingsPanel],
  domain: [DnsUpdatePanel],
  network: [RouterCheckPanel, WebServerPanel],
  certificates: [CertsPanel],
};
