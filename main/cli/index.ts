import { Command, Option } from "commander";
import { fileURLToPath } from "node:url";
import { describeError, UserError } from "../../shared/errors";
import { defaultDataDir } from "../store/paths";
import { ControlClient } from "./client";
import { formatConfigGet, parseConfigValue, withSettings } from "./config";
import { formatDoctor, formatStatus, printLogLine } from "./format";
import type { CommandParams } from "../../shared/api";
import { expandChanges } from "../../shared/settings";
import { podhostVersion } from "../version";
import { registerSetupCommand } from "./setup";
import { registerNoticesCommand } from "./notices";
import { unknownCommand } from "./unknown-command";
import { registerOpenCommand } from "./open";
import { certsRenewDone, dnsUpdateDone, podCommandDone } from "./outcomes";
import { registerBackupCommands } from "./backup";
import { registerPodCommand } from "./pod";
import { followLogs, watchStatus } from "./follow";

const version = podhostVersion();
const program = new Command("podhost")
  .description("Host a diaspora* pod from this computer.")
  .version(version)
  .addOption(new Option("--data-dir <dir>", "where settings, secrets, logs and state live").env("PODHOST_DATA_DIR").default(defaultDataDir()))
  .showHelpAfterError()
  // podhost's --version goes before the command, so a command may have a --version of its own (`pod install --version TAG`).
  .enablePositionalOptions();

const dataDir = (): string => program.opts<{ dataDir: string }>().dataDir;
const client = () => new ControlClient(dataDir());

program
  .command("serve")
  .description("run the podhost daemon without a desktop (prints the UI's address)")
  .option("--ui-port <port>", "loopback port for the UI and control API (0: any free port)", parsePort, 7468)
  .action(async (opts: { uiPort: number }) => {
    await serve(opts.uiPort);
  });

program
  .command("launch")
  .description("open the tray app, or run headless where Electron is not available (npm start)")
  .action(async () => {
    const { launchApp } = await import("../electron/launch");
    const opened = await launchApp(dataDir());
    if (!opened.ok) {
      console.log(`${opened.reason}; starting podhost headless.`);
      await serve(7468);
    }
  });

program
  .command("status")
  .description("show the pod and everything in front of it")
  .option("--json", "print the status snapshot as JSON")
  .option("-w, --watch", "keep printing the status as it changes (across daemon restarts)")
  .action(async (opts: { json?: boolean; watch?: boolean }) => {
    if (opts.watch) return watchStatus(client(), opts.json ?? false);
    const snapshot = await client().status();
    console.log(opts.json ? JSON.stringify(snapshot, null, 2) : formatStatus(snapshot));
  });

for (const [name, command, summary] of [
  ["start", "pod.start", "start the pod"],
  ["stop", "pod.stop", "stop the pod"],
  ["restart", "pod.restart", "restart the pod"],
] as const) {
  program
    .command(name)
    .description(summary)
    .action(async () => {
      const snapshot = await client().call(command, {});
      console.log(formatStatus(snapshot));
      if (!podCommandDone(name, snapshot.pod.state)) process.exitCode = 1;
    });
}

const config = program.command("config").description("read or change settings (works with or without a running daemon)");
config
  .command("get [key]")
  .description("print one setting (dotted key, e.g. proxy.httpsPort), or all")
  .action(async (key: string | undefined) => {
    console.log(await withSettings(dataDir(), async (access) => formatConfigGet(await access.get(), key)));
  });
config
  .command("set <key> <value>")
  .description("change a setting; a value that parses as JSON is taken as JSON")
  .action(async (key: string, value: string) => {
    const changes = { [key]: parseConfigValue(value) };
    await withSettings(dataDir(), (access) => access.set(changes));
    const saved = Object.keys(expandChanges(changes));
    console.log(saved.length === 0 ? `${key}: nothing to change (an empty group changes nothing).` : `${saved.join(", ")} saved.`);
  });

program
  .command("logs")
  .description("print the daemon's recent log lines")
  .option("-n, --lines <count>", "how many", (v) => Number.parseInt(v, 10), 200)
  .option("-f, --follow", "keep printing new lines (across daemon restarts)")
  .action(async (opts: { lines: number; follow?: boolean }) => {
    if (opts.follow) return followLogs(client(), opts.lines);
    const { lines } = await client().call("logs.tail", { lines: opts.lines });
    lines.forEach(printLogLine);
  });

program
  .command("doctor")
  .description("check every hop from the internet to the pod, with the fix for each problem")
  .option("--json", "print the report as JSON")
  .action(async (opts: { json?: boolean }) => {
    const report = await client().call("doctor.run", {});
    console.log(opts.json ? JSON.stringify(report, null, 2) : formatDoctor(report));
    if (!report.ok) process.exitCode = 1;
  });

const webserver = program.command("webserver").description("the web server already running on this PC (nginx, Apache, Caddy, lighttpd)");
webserver
  .command("detect")
  .description("which web server holds ports 80/443")
  .action(async () => {
    console.log((await client().call("webserver.detect", {})).message);
  });
webserver
  .command("snippet")
  .description("print the config that forwards the pod to podhost (the config on stdout, where it goes on stderr)")
  .requiredOption("--server <server>", "nginx, apache, caddy or lighttpd")
  .option("--mode <mode>", "vhost (the pod's own name), port (podhost's own port) or subpath", "vhost")
  .option("--prefix <path>", "the prefix in subpath mode, like /pod")
  .option("--domain <name>", "the name to forward (default: the pod's domain)")
  .option("--passthrough", "nginx: pass TLS through by name instead of terminating it")
  .action(async (opts: { server: string; mode: string; prefix?: string; domain?: string; passthrough?: boolean }) => {
    const params = { server: opts.server, mode: opts.mode, ...(opts.prefix ? { prefix: opts.prefix } : {}), ...(opts.domain ? { domain: opts.domain } : {}), ...(opts.passthrough ? { passthrough: true } : {}) };
    const snippet = await client().call("webserver.snippet", params as CommandParams<"webserver.snippet">);
    console.log(snippet.text);
    console.error([`Where it goes: ${snippet.pathHint}`, ...snippet.enableSteps.map((step) => `  ${step}`), ...snippet.notes].join("\n"));
  });
webserver
  .command("check")
  .description("request the discovery paths through your web server and compare with the pod's own answers")
  .requiredOption("--url <url>", "the pod's address through your server, like https://pod.example.org/")
  .option("--connect <address>", "connect here instead of resolving the name", "127.0.0.1")
  .action(async (opts: { url: string; connect: string }) => {
    const result = await client().call("webserver.check", { url: opts.url, connectTo: opts.connect });
    console.log(result.ok ? `Your web server forwards the pod correctly (${result.checked.length} checks).` : result.differences.map((d) => `✗ ${d.path}: ${d.message}`).join("\n"));
    if (!result.ok) process.exitCode = 1;
  });

const certs = program.command("certs").description("certificates: the local CA, and public ones over ACME");
certs
  .command("renew")
  .description("get a new certificate now")
  .action(async () => {
    const status = await client().call("certs.renew", {});
    console.log(status.message);
    if (!certsRenewDone(status)) process.exitCode = 1;
  });
certs
  .command("ca")
  .description("print the local CA's certificate (PEM), to trust it on your devices")
  .action(async () => {
    process.stdout.write((await client().call("certs.ca", { format: "pem" })).pem ?? "");
  });
certs
  .command("show")
  .description("print the certificate chain the proxy serves")
  .action(async () => {
    const { pem } = await client().call("certs.show", {});
    if (!pem) throw new UserError({ code: "no-certificate", message: "The proxy serves no certificate yet.", fix: "Start the pod, or run `podhost certs renew`." });
    process.stdout.write(pem);
  });

const dns = program.command("dns").description("dynamic DNS");
dns
  .command("update")
  .description("send this connection's address to the DNS provider now (only if it changed)")
  .option("--force", "send even if the provider already has this address")
  .action(async (opts: { force?: boolean }) => {
    const result = await client().call("dns.update", { force: opts.force ?? false });
    console.log(`${result.message} ${result.next}`);
    if (!dnsUpdateDone(result)) process.exitCode = 1;
  });

registerSetupCommand(program, client);
registerNoticesCommand(program, dataDir);
registerOpenCommand(program, dataDir, client);
registerBackupCommands(program, client);
registerPodCommand(program, client);

async function serve(uiPort: number): Promise<void> {
  const { startDaemon } = await import("../daemon");
  const daemon = await startDaemon({ dataDir: dataDir(), uiPort, version, uiDir: fileURLToPath(new URL("./renderer/", import.meta.url)) });
  console.log(`podhost UI: ${daemon.uiUrl}`);
  const shutdown = (signal: string) => {
    console.log(`podhost: ${signal} received, stopping.`);
    daemon.stop().then(() => process.exit(0), (error: unknown) => {
      console.error(`podhost: stopping failed: ${String(error)}`);
      process.exit(1);
    });
  };
  process.once("SIGINT", () => shutdown("SIGINT"));
  process.once("SIGTERM", () => shutdown("SIGTERM"));
  // Started by the tray app: stop with it (its quit, logout, or crash), unless told to outlive it.
  if (process.env.PODHOST_PARENT_PIPE === "stdin") {
    const { watchParent } = await import("../daemon/parent-watch");
    watchParent(process.stdin, { stop: (reason) => shutdown(reason), keepRunning: () => daemon.host.settingsView().settings.tray.keepPodRunning, log: (text) => daemon.logs.logger("daemon").info(text) });
  }
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UserError({ code: "usage", message: `--ui-port must be a port number from 0 to 65535 (got "${value}").` });
  return port;
}

// --data-dir also after a command's name (`podhost status --data-dir DIR`), as scripts and the README have it.
for (const command of commandTree(program)) command.addOption(new Option("--data-dir <dir>").hideHelp());
program.hook("preAction", (_root, action) => {
  const own = action.opts<{ dataDir?: string }>().dataDir;
  if (own !== undefined) program.setOptionValue("dataDir", own);
});

function commandTree(root: Command): Command[] {
  return root.commands.flatMap((command) => [command, ...commandTree(command)]);
}

const typo = unknownCommand(program, process.argv.slice(2));
if (typo !== undefined) {
  console.error(`podhost: there is no command "${typo}". Run \`podhost --help\` to list the commands.`);
  process.exit(1);
}

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof UserError) {
    console.error(`podhost: ${describeError(error)}`);
    process.exit(error.code === "usage" ? 2 : 1);
  }
  console.error(error);
  process.exit(1);
});
