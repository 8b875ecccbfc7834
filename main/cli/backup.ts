import type { Command } from "commander";
import { describeProgress, formatBytes, type BackupStatus, type SnapshotInfo } from "../../shared/backup";
import { UserError } from "../../shared/errors";
import type { ControlClient } from "./client";
import { followStatus } from "./follow";

/**
 * `podhost backup setup|now|list|check|cancel` and `podhost restore`: the Backups page in a
 * terminal. Long jobs print their progress from the status events while the call runs; Ctrl-C
 * cancels the job in the daemon (the repository stays consistent) and exits non-zero.
 */
export function registerBackupCommands(program: Command, client: () => ControlClient): void {
  const backup = program.command("backup").description("encrypted backups of the pod and of podhost's own state (restic)");
  backup
    .command("setup")
    .description("use a backup repository: a folder or USB disk, sftp:user@host:/path, rclone:remote:path, rest:http://host:port/")
    .requiredOption("--repository <where>", "where the backups go")
    .option("--existing", "the repository exists: read its passphrase from stdin (or a prompt)")
    .action(async (opts: { repository: string; existing?: boolean }) => {
      const passphrase = opts.existing ? await readPassphrase() : undefined;
      const result = await client().call("backup.setup", { repository: opts.repository, ...(passphrase ? { passphrase } : {}) });
      if (result.passphrase) {
        console.log(`A new, encrypted backup repository is ready at ${opts.repository}.\n\nIts passphrase (shown only now):\n\n    ${result.passphrase}\n\nWrite it down and keep it apart from this computer: without it no backup can ever be restored, not even by podhost.`);
      } else {
        console.log(`podhost now backs up to the ${result.created ? "new" : "existing"} repository at ${opts.repository}.`);
      }
      console.log("Daily backups start once you turn them on: podhost config set backup.enabled true");
    });
  backup
    .command("now")
    .description("back up the pod now, printing progress; exits non-zero if the backup fails")
    .action(async () => {
      const record = await withProgress(client(), () => client().call("backup.now", {}));
      console.log(`Backup saved: snapshot ${record.snapshotId.slice(0, 8)}, ${record.files} files, ${formatBytes(record.totalBytes)} (${formatBytes(record.bytesAdded)} new), in ${Math.round(record.durationMs / 1000)} s.`);
    });
  backup
    .command("list")
    .description("the pod's backups, newest first")
    .option("--json", "as JSON")
    .action(async (opts: { json?: boolean }) => {
      const { snapshots } = await client().call("backup.list", {});
      console.log(opts.json ? JSON.stringify(snapshots, null, 2) : formatSnapshots(snapshots));
    });
  backup
    .command("check")
    .description("verify the repository, reading back part of the data")
    .option("--read-percent <n>", "how much of the data to read back (0-100)", (v) => Number.parseInt(v, 10))
    .action(async (opts: { readPercent?: number }) => {
      const record = await withProgress(client(), () => client().call("backup.check", opts.readPercent !== undefined ? { readPercent: opts.readPercent } : {}));
      console.log(record.message);
    });
  backup
    .command("cancel")
    .description("cancel the running backup, check or restore")
    .action(async () => {
      const { cancelled } = await client().call("backup.cancel", {});
      console.log(cancelled ? "Cancelled." : "Nothing was running.");
      if (!cancelled) process.exitCode = 1;
    });

  program
    .command("restore")
    .description("restore a backup into this data dir: podhost's state, the pod's files and its database")
    .option("--snapshot <id>", "which backup (default: the newest; see `podhost backup list`)")
    .option("--pod-dir <dir>", "where the diaspora* checkout is on this computer (default: where it was)")
    .option("--repository <where>", "a new computer: the repository to restore from (its passphrase is read from stdin or a prompt)")
    .option("--yes", "restore over a running pod (podhost backs it up first)")
    .action(async (opts: { snapshot?: string; podDir?: string; repository?: string; yes?: boolean }) => {
      const api = client();
      if (opts.repository) await api.call("backup.setup", { repository: opts.repository, passphrase: await readPassphrase() });
      let snapshotId = opts.snapshot;
      if (!snapshotId) {
        const { snapshots } = await api.call("backup.list", {});
        if (snapshots.length === 0) throw new UserError({ code: "no-backups", message: "The repository holds no podhost backups.", fix: "Check the repository (Settings > Backups), or pass --repository." });
        snapshotId = snapshots[0]!.id;
        console.log(`Restoring the newest backup: ${snapshots[0]!.shortId} from ${snapshots[0]!.time}.`);
      }
      const result = await withProgress(api, () => api.call("backup.restore", { snapshotId: snapshotId!, ...(opts.podDir ? { podDir: opts.podDir } : {}), confirmOverRunningPod: opts.yes ?? false }));
      console.log(result.message);
    });
}

/** Runs `work` while printing the backup status's progress (a line at most every second when not on a terminal). */
async function withProgress<T>(api: ControlClient, work: () => Promise<T>): Promise<T> {
  const tty = process.stderr.isTTY;
  let last = "";
  let lastAt = 0;
  const print = (status: BackupStatus) => {
    if (!status.progress) return;
    const line = describeProgress(status.progress);
    const now = Date.now();
    if (line === last || (!tty && now - lastAt < 1_000 && line.split(":")[0] === last.split(":")[0])) return;
    last = line;
    lastAt = now;
    process.stderr.write(tty ? `\r\x1b[2K${line}` : `${line}\n`);
  };
  const following = followStatus(api, (snapshot) => print(snapshot.backup));
  await following.ready;
  const onInterrupt = () => {
    process.stderr.write("\nCancelling…\n");
    void api.call("backup.cancel", {});
  };
  process.once("SIGINT", onInterrupt);
  try {
    return await work();
  } finally {
    process.off("SIGINT", onInterrupt);
    void following.stop();
    if (tty && last) process.stderr.write("\n");
  }
}

function formatSnapshots(snapshots: SnapshotInfo[]): string {
  if (snapshots.length === 0) return "No backups yet.";
  return snapshots.map((s) => `${s.shortId}  ${s.time.slice(0, 16).replace("T", " ")}  ${s.totalBytes !== undefined ? formatBytes(s.totalBytes).padStart(9) : "".padStart(9)}  ${s.holds.join(", ")}`).join("\n");
}

/** The passphrase from stdin (a pipe), or typed at a prompt without echo: never from argv. */
async function readPassphrase(): Promise<string> {
  if (!process.stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8").split("\n")[0]!.trim();
    if (!text) throw new UserError({ code: "usage", message: "No passphrase on stdin.", fix: "Pipe it in (e.g. from a password manager), or run the command in a terminal to type it." });
    return text;
  }
  process.stderr.write("Repository passphrase: ");
  process.stdin.setRawMode(true);
  process.stdin.resume();
  let typed = "";
  return new Promise((resolve, reject) => {
    const onData = (data: Buffer) => {
      for (const char of data.toString("utf8")) {
        if (char === "\r" || char === "\n") {
          finish();
          return resolve(typed);
        }
        if (char === "\u0003") {
          finish();
          return reject(new UserError({ code: "usage", message: "Cancelled." }));
        }
        typed = char === "\u007f" ? typed.slice(0, -1) : typed + char;
      }
    };
    const finish = () => {
      process.stdin.off("data", onData);
      process.stdin.setRawMode(false);
      process.stdin.pause();
      process.stderr.write("\n");
    };
    process.stdin.on("data", onData);
  });
}
