import type { Command } from "commander";
import type { Notice } from "../../shared/notices";
import { identityLock } from "../pod";
import { SettingsManager } from "../store/settings-manager";
import { ControlClient, NoDaemonError } from "./client";

/**
 * `podhost notices` and `podhost notices dismiss <id>`: the notices the daemon shows (a settings
 * field that fell back to its default, a damaged file), through the daemon when it runs, else
 * from the files (listing writes nothing).
 */
export function registerNoticesCommand(program: Command, dataDir: () => string): void {
  const notices = program.command("notices").description("what podhost wants you to know about your settings and files, with ids to dismiss them");
  notices.action(async () => {
    const list = await withNotices(dataDir(), async (access) => access.list());
    console.log(list.length === 0 ? "No notices." : list.map((notice) => `${notice.id}\n  ${notice.text}`).join("\n"));
  });
  notices
    .command("dismiss <id>")
    .description("dismiss a notice by its id (it stays dismissed)")
    .action(async (id: string) => {
      await withNotices(dataDir(), (access) => access.dismiss(id));
      console.log(`Notice ${id} dismissed.`);
    });
}

interface NoticesAccess {
  list(): Promise<Notice[]>;
  dismiss(id: string): Promise<void>;
}

async function withNotices<T>(dataDir: string, use: (access: NoticesAccess) => Promise<T>): Promise<T> {
  const client = new ControlClient(dataDir);
  try {
    return await use({
      list: async () => (await client.status()).daemon.notices,
      dismiss: async (id) => {
        await client.call("notices.dismiss", { id });
      },
    });
  } catch (error) {
    if (!(error instanceof NoDaemonError)) throw error;
  }
  const manager = await SettingsManager.open(dataDir, identityLock(dataDir));
  return use({ list: async () => manager.notices, dismiss: (id) => manager.dismissNotice(id) });
}
