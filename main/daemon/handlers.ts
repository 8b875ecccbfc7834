import type { CommandName, CommandResult, ParsedParams } from "../../shared/api";
import type { Host } from "../host";
import type { LogBus } from "../log";

export type Handlers = { [K in CommandName]: (params: ParsedParams<K>) => Promise<CommandResult<K>> };

/** The one handler table behind every transport (HTTP, local socket); the contract is shared/api.ts. */
export function createHandlers(host: Host, logs: LogBus): Handlers {
  return {
    "status.get": async () => host.snapshot(),
    "pod.start": async () => {
      await host.startPod();
      return host.snapshot();
    },
    "pod.stop": async () => {
      await host.stopPod();
      return host.snapshot();
    },
    "pod.restart": async () => {
      await host.restartPod();
      return host.snapshot();
    },
    "settings.get": async () => host.settingsView(),
    "settings.set": async ({ changes }) => host.changeSettings(changes),
    "logs.tail": async ({ lines }) => ({ lines: logs.tail(lines) }),
  };
}
