import type { CommandName, CommandResult, ParsedParams } from "../../shared/api";
import { UserError } from "../../shared/errors";
import type { Host } from "../host";
import type { LogBus } from "../log";
import type { SessionBook } from "./sessions";

export type Handlers = { [K in CommandName]: (params: ParsedParams<K>) => Promise<CommandResult<K>> };

/** The one handler table behind every transport (HTTP, local socket); the contract is shared/api.ts. */
export function createHandlers(host: Host, logs: LogBus, sessions: SessionBook): Handlers {
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
    "pod.check": async () => host.services.pod.check(),
    "pod.resetIdentity": async () => {
      await host.resetPodIdentity();
      return host.snapshot();
    },
    "settings.get": async () => host.settingsView(),
    "settings.set": async ({ changes, baseRevision }) => host.changeSettings(changes, baseRevision),
    "logs.tail": async ({ lines }) => ({ lines: logs.tail(lines), lastEventId: host.events.lastId }),
    "dns.update": async ({ force }) => host.services.dns.updateNow({ force }),
    "certs.renew": async () => host.renewCertificate(),
    "certs.ca": async ({ format }) => (format === "der" ? { derBase64: (await host.services.certs.caCertificateDer()).toString("base64") } : { pem: await host.services.certs.caCertificatePem() }),
    "certs.show": async () => {
      const pem = host.services.certs.servedCertificatePem();
      return pem ? { pem } : {};
    },
    "doctor.run": async () => host.doctor.run(),
    "ports.checkPodAddress": async ({ domain }) => {
      const name = domain ?? host.settingsView().settings.domain;
      if (!name) throw new UserError({ code: "no-domain", field: "domain", message: "The pod's address needs its name first.", fix: "Set the domain (Settings > Domain & DNS)." });
      return host.services.ports.checkPodAddress(name);
    },
    "webserver.detect": async () => host.webserver.detect(),
    "webserver.snippet": async (params) => host.webserver.snippet(params),
    "webserver.check": async (params) => host.webserver.check(params),
    "sessions.revokeAll": async () => ({ revoked: await sessions.revokeAll() }),
    "notices.dismiss": async ({ id }) => {
      await host.dismissNotice(id);
      return host.snapshot();
    },
    "backup.setup": async ({ repository, passphrase }) => host.backups.setUp(repository, passphrase),
    "backup.now": async () => host.services.backup.backupNow("manual"),
    "backup.cancel": async () => ({ cancelled: host.services.backup.cancel() }),
    "backup.check": async ({ readPercent }) => host.services.backup.check(readPercent),
    "backup.list": async () => ({ snapshots: await host.services.backup.list() }),
    "backup.restore": async ({ snapshotId, podDir, confirmOverRunningPod }) => host.backups.restore(snapshotId, podDir, confirmOverRunningPod),
    "install.plan": async ({ kind, version }) => host.installer.plan(kind, version),
    "install.checkSystem": async () => host.installer.checkSystem(),
    "install.start": async ({ version }) => host.installer.install(version),
    "install.upgrade": async ({ version }) => host.installer.upgrade(version),
    "install.retry": async () => host.installer.retry(),
    "install.cancel": async () => host.installer.cancel(),
    "install.checkReleases": async () => host.installer.releases.checkNow(),
  };
}
