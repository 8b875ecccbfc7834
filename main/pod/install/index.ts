export { Installer, type InstallerOptions } from "./installer";
export type { InstallServices } from "./services";
export type { PodControl } from "./step-context";
export { managedServices } from "./managed-services";
export { podControl } from "./pod-control";
