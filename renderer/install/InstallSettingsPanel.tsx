import type { SettingsExtraProps } from "../settings/extras";
import { InstallPanel } from "./InstallPanel";

/** Settings > Pod: "Install diaspora* for me", beside the fields for a checkout of your own. */
export function InstallSettingsPanel({ status }: SettingsExtraProps) {
  return <InstallPanel status={status?.install} />;
}
