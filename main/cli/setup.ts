import { createInterface } from "node:readline/promises";
import type { Command } from "commander";
import { dnsProviderInfo, dnsProviders, type DnsField, type DnsProviderId } from "../../shared/dns";
import { UserError, type UserErrorInfo } from "../../shared/errors";
import { podUrl, type Settings } from "../../shared/settings";
import type { StatusSnapshot } from "../../shared/status";
import { letsEncryptDirectory } from "../../shared/certs";
import { chainOutcome, dnsTestVerdict, reachChanges, reachVerdict, usageDefaults, usageLabels, type Reach, type StepId, type Usage } from "../../shared/setup";
import type { ControlClient } from "./client";
import { formatDoctor } from "./format";
import { followStatus } from "./follow";

/**
 * `podhost setup`: the first-run wizard's questions in a terminal, for a machine with no desktop.
 * Every answer can be given as a flag (then nothing is asked); the rest is asked on stdin. It
 * talks to the running daemon, saves each step's settings as it completes, and leaves nothing
 * half-done enabled: a refused DNS test turns the provider off, a failed start stops the pod.
 */
interface SetupOptions {
  usage?: string;
  podDir?: string;
  podCommand?: string;
  podArg?: string[];
  podPort?: string;
  podHealthUrl?: string;
  domain?: string;
  dnsProvider?: string;
  dnsName?: string;
  dnsToken?: string;
  dnsPassword?: string;
  dnsUsername?: string;
  dnsServer?: string;
  ipEchoUrl?: string;
  reach?: string;
  httpsPort?: string;
  httpPort?: string;
  publicPort?: string;
  cert?: string;
  acmeEmail?: string;
  acmeDirectory?: string;
  acmeChallenge?: string;
  yes?: boolean;
  start: boolean;
  timeout: string;
}

export function registerSetupCommand(program: Command, client: () => ControlClient): void {
  program
    .command("setup")
    .description("set up the pod step by step in the terminal (flags answer the questions)")
    .option("--usage <how>", "how this PC is used: dedicated, webserver or network")
    .option("--pod-dir <dir>", "the diaspora* checkout")
    .option("--pod-command <program>", "a custom pod's program")
    .option("--pod-arg <arg>", "a custom pod's argument (repeat for each)", (value: string, all: string[] = []) => [...all, value])
    .option("--pod-port <port>", "the port the pod listens on (127.0.0.1)")
    .option("--pod-health-url <url>", "a custom pod's health URL")
    .option("--domain <name>", "your own domain (or the name a DDNS provider keeps updated)")
    .option("--dns-provider <id>", `own (no dynamic DNS) or one of: ${dnsProviders.filter((p) => p !== "none").join(", ")}`)
    .option("--dns-name <name>", "the DDNS name (DuckDNS: the sub-domain)")
    .option("--dns-token <token>", "the DDNS token")
    .option("--dns-password <password>", "the DDNS password or key")
    .option("--dns-username <user>", "the DDNS user name")
    .option("--dns-server <url>", "the DDNS update server (empty: the provider's own)")
    .option("--ip-echo-url <url>", "where to ask for the public address")
    .option("--reach <way>", "upnp, manual or webserver")
    .option("--https-port <port>", "podhost's HTTPS port on this PC")
    .option("--http-port <port>", "podhost's HTTP port on this PC")
    .option("--public-port <port>", "the internet's HTTPS port (443 keeps the address short)")
    .option("--cert <mode>", "acme (public) or local (this network only)")
    .option("--acme-email <email>", "where the CA sends expiry warnings")
    .option("--acme-directory <url>", "the ACME directory", letsEncryptDirectory)
    .option("--acme-challenge <type>", "auto, http-01, tls-alpn-01 or dns-01", "auto")
    .option("--yes", "confirm the permanent address without asking")
    .option("--no-start", "save the settings, do not start the pod")
    .option("--timeout <seconds>", "how long Start pod may take", "300")
    .action(async (opts: SetupOptions) => {
      const prompt = new Prompt();
      try {
        await runSetup(client(), opts, prompt);
      } finally {
        prompt.close();
      }
    });
}

/** Questions on stdin; lines are read through an iterator so answers piped in ahead of time are kept. */
class Prompt {
  private lines?: AsyncIterator<string>;
  private closeInput?: () => void;

  async ask(question: string, choices?: readonly string[], fallback?: string): Promise<string> {
    for (;;) {
      const hint = [choices ? choices.join("/") : "", fallback !== undefined ? `default: ${fallback || "empty"}` : ""].filter(Boolean).join(", ");
      process.stdout.write(`${question}${hint ? ` [${hint}]` : ""}: `);
      if (!this.lines) {
        const rl = createInterface({ input: process.stdin, terminal: false });
        this.lines = rl[Symbol.asyncIterator]();
        this.closeInput = () => rl.close();
      }
      const line = await this.lines.next();
      // Input that ended (a script, or no terminal) takes the defaults; only questions without one fail.
      if (line.done && fallback === undefined) throw new UserError({ code: "usage", message: `No answer to "${question}": the input ended.`, fix: "Answer every question, or give it as a flag (podhost setup --help)." });
      const answer = (line.done ? "" : line.value.trim()) || fallback || "";
      process.stdout.write("\n");
      if (!choices || choices.includes(answer)) return answer;
      console.log(`Please answer one of: ${choices.join(", ")}.`);
    }
  }

  close(): void {
    this.closeInput?.();
  }
}

async function runSetup(api: ControlClient, opts: SetupOptions, prompt: Prompt): Promise<void> {
  const save = (changes: Record<string, unknown>) => api.call("settings.set", { changes });
  const step = (n: number, title: string, why: string) => console.log(`\n${n}/6 ${title}\n   ${why}`);
  let { settings } = await api.call("settings.get", {});

  step(1, "How this PC is used", "podhost picks the defaults of every later step from this.");
  const usage = (opts.usage ?? (await prompt.ask("This PC is dedicated to the pod, already runs a web server, or part of a bigger network", ["dedicated", "webserver", "network"]))) as Usage;
  if (!(usage in usageLabels)) throw new UserError({ code: "usage", message: `--usage must be dedicated, webserver or network (got "${usage}").` });
  settings = (await save(usageDefaults(usage).changes)).settings;

  step(2, "The pod", "podhost starts, watches and restarts the pod's processes.");
  const profile = opts.podDir ? "diaspora" : opts.podCommand ? "custom" : await prompt.ask("The pod runs from a diaspora* checkout or a custom command", ["diaspora", "custom"], settings.pod.profile);
  if (profile === "diaspora") {
    settings = (await save({ "pod.profile": "diaspora", "pod.dir": opts.podDir ?? (await prompt.ask("The diaspora* folder", undefined, settings.pod.dir)) })).settings;
  } else {
    const command = opts.podCommand ?? (await prompt.ask("The pod's program", undefined, settings.pod.command));
    const args = opts.podArg ?? (await prompt.ask("Its arguments, separated by spaces", undefined, settings.pod.args.join(" "))).split(/\s+/).filter(Boolean);
    const port = opts.podPort ?? (await prompt.ask("The port it listens on", undefined, String(settings.pod.port)));
    const healthUrl = opts.podHealthUrl ?? (await prompt.ask("Its health URL (empty: a TCP connect)", undefined, settings.pod.healthUrl));
    settings = (await save({ "pod.profile": "custom", "pod.command": command, "pod.args": args, "pod.port": Number(port), "pod.healthUrl": healthUrl })).settings;
  }
  const podCheck = await api.call("pod.check", {});
  if (podCheck.problems[0]) {
    const problem = podCheck.problems[0];
    throw new UserError({ code: problem.code, message: `Step 2/6 The pod: ${problem.message}`, ...(problem.fix ? { fix: problem.fix } : {}) });
  }

  step(3, "The name", "Other pods and your users find the pod by its name; for diaspora* it never changes after the first start.");
  settings = await chooseName(api, opts, prompt, settings);

  step(4, "Reachability", "The router, or your web server, must pass the web ports on to podhost.");
  const reach = (opts.reach ?? (await prompt.ask("The way in", ["upnp", "manual", "webserver"], usageDefaults(usage).reach))) as Reach;
  if (!["upnp", "manual", "webserver"].includes(reach)) throw new UserError({ code: "usage", message: `--reach must be upnp, manual or webserver (got "${reach}").` });
  const ports = {
    "proxy.httpsPort": Number(opts.httpsPort ?? settings.proxy.httpsPort),
    "proxy.httpPort": Number(opts.httpPort ?? settings.proxy.httpPort),
    "ports.externalHttpsPort": Number(opts.publicPort ?? settings.ports.externalHttpsPort),
  };
  settings = (await save({ ...reachChanges(reach), ...ports })).settings;
  if (reach === "manual") console.log(`   On the router, forward TCP ${ports["ports.externalHttpsPort"]} to this PC's port ${ports["proxy.httpsPort"]}, and TCP 80 to its port ${ports["proxy.httpPort"]}.`);
  if (reach === "webserver") {
    const found = await api.call("webserver.detect", {});
    const snippet = await api.call("webserver.snippet", { server: found.server && found.server !== "unknown" ? found.server : "nginx", mode: "vhost" });
    console.log(`   Put this in ${snippet.pathHint}:\n\n${snippet.text}\n   Then: ${snippet.enableSteps.join("; ")}`);
  }
  console.log(`\n   The doctor (before the start, the proxy and the pod are not running yet):\n${formatDoctor(await api.call("doctor.run", {}))}`);

  step(5, "Certificate", "Browsers and other pods need HTTPS with a certificate they trust.");
  const mode = opts.cert ?? (await prompt.ask("A public certificate (acme) or podhost's own CA for this network only (local)", ["acme", "local"], usage === "network" ? settings.certs.mode : "acme"));
  const certChanges: Record<string, unknown> =
    mode === "acme"
      ? { "certs.acme.directoryUrl": opts.acmeDirectory ?? letsEncryptDirectory, "certs.acme.email": opts.acmeEmail ?? "", "certs.acme.challenge": opts.acmeChallenge ?? "auto", "certs.mode": "acme" }
      : { "certs.mode": "local" };
  settings = (await save(certChanges)).settings;

  step(6, "Review and start", "The address becomes part of every user's ID at the first start: it can never change afterwards.");
  const address = podUrl(settings)!;
  console.log(`   The pod's permanent address: ${address}\n   Your users' IDs will look like: alice@${new URL(address).host}`);
  if (!opts.yes && (await prompt.ask("Type yes to confirm that this address can never change")) !== "yes") {
    throw new UserError({ code: "not-confirmed", message: "The address was not confirmed, so the pod was not started.", fix: "Run `podhost setup` again and answer yes, or change the name." });
  }
  if (!opts.start) return console.log("Saved. Start the pod with `podhost start`.");
  await startChain(api, settings, Number(opts.timeout) * 1000);
  // The last word comes from a doctor run now, not from the start having worked.
  const report = await api.call("doctor.run", {});
  const verdict = reachVerdict(report, settings.certs.mode);
  console.log(`\n   The doctor:\n${formatDoctor(report)}\n\n${verdict.headline}: ${address}\n   ${verdict.detail}${verdict.fix ? `\n   → ${verdict.fix}` : ""}`);
}

async function chooseName(api: ControlClient, opts: SetupOptions, prompt: Prompt, settings: Settings): Promise<Settings> {
  const choices = ["own", ...dnsProviders.filter((p) => p !== "none")];
  const provider = (opts.dnsProvider ?? (await prompt.ask("Your own domain, or a dynamic DNS provider", choices, settings.dns.provider === "none" ? "duckdns" : settings.dns.provider))) as DnsProviderId | "own";
  if (provider === "own" || provider === "none") {
    const domain = opts.domain ?? (await prompt.ask("The domain", undefined, settings.domain));
    return (await api.call("settings.set", { changes: { domain, "dns.provider": "none" } })).settings;
  }
  const info = dnsProviderInfo[provider];
  if (!info) throw new UserError({ code: "usage", message: `--dns-provider must be one of: ${choices.join(", ")} (got "${provider}").` });
  const flags: Record<DnsField, string | undefined> = { name: opts.dnsName, token: opts.dnsToken, password: opts.dnsPassword, username: opts.dnsUsername, server: opts.dnsServer };
  const changes: Record<string, unknown> = { "dns.server": opts.dnsServer ?? settings.dns.server, "dns.ipEchoUrl": opts.ipEchoUrl ?? settings.dns.ipEchoUrl };
  for (const { field, label } of info.fields) changes[`dns.${field}`] = flags[field] ?? (await prompt.ask(label));
  const name = String(changes["dns.name"] ?? "").toLowerCase();
  const domain = provider === "duckdns" ? (name.endsWith(".duckdns.org") ? name : `${name}.duckdns.org`) : (opts.domain ?? (await prompt.ask("The domain it keeps updated", undefined, settings.domain)));
  // Update server and address source go in with the provider, so the first update already uses them.
  const savedAt = Date.now();
  const saved = await api.call("settings.set", { changes: { ...changes, domain, "dns.provider": provider } });
  console.log(`   Testing: sending this connection's address to ${info.label}…`);
  const failure = await testDns(api, savedAt).catch((error: unknown) => (error instanceof Error ? error.message : String(error)));
  if (failure) {
    await api.call("settings.set", { changes: { "dns.provider": "none" } });
    throw new UserError({ code: "dns-test-failed", message: `Step 3/6 The name: ${failure}`, fix: "Check the name and the token or password at your provider, then run `podhost setup` again. Dynamic DNS stays off until the test passes." });
  }
  console.log(`   ${info.label} has this connection's address.`);
  return saved.settings;
}

/** Update now, judged as the UI's wizard does: a test right after saving may have to wait its turn. */
async function testDns(api: ControlClient, savedAt: number): Promise<string | undefined> {
  for (let said = false; ; said = true) {
    const verdict = dnsTestVerdict(await api.call("dns.update", { force: true }), await api.status(), savedAt);
    if (verdict === "ok") return undefined;
    if (verdict !== "wait") return verdict.failure;
    if (!said) console.log("   The provider takes one update a minute: trying again shortly…");
    await new Promise((resolve) => setTimeout(resolve, 3_000));
  }
}

/** Start pod, print each hop as it changes, and stop everything again if a hop fails. */
async function startChain(api: ControlClient, settings: Settings, timeoutMs: number): Promise<void> {
  const printed = new Map<string, string>();
  const show = (snapshot: StatusSnapshot) => {
    for (const name of ["pod", "proxy", "ports", "dns", "certs"] as const) {
      const line = `${snapshot[name].state}: ${snapshot[name].message}`;
      if (printed.get(name) !== line) console.log(`   ${name.padEnd(5)} ${line}`);
      printed.set(name, line);
    }
  };
  let latest: StatusSnapshot | undefined;
  let judge: ((snapshot: StatusSnapshot) => void) | undefined;
  const following = followStatus(api, (snapshot) => (judge ? judge(snapshot) : (latest = snapshot)));
  await following.ready;
  const startedAt = Date.now();
  let failure: Failure | undefined;
  try {
    // Judge only once Start pod has done its part; a stop in the middle of a start would race it.
    latest = await api.call("pod.start", {});
    if (settings.certs.mode === "acme" && latest.certs.state === "failed") void api.call("certs.renew", {}).catch(() => undefined);
    failure = await new Promise<Failure | undefined>((resolve) => {
      judge = (snapshot) => {
        show(snapshot);
        const verdict = judgeChain(snapshot, settings, startedAt);
        if (verdict !== "working") resolve(verdict === "done" ? undefined : verdict);
      };
      judge(latest!);
      setTimeout(() => resolve({ step: "Start pod", error: { code: "timeout", message: `The pod was not up within ${timeoutMs / 1000} s.`, fix: "See `podhost status` and `podhost logs`, or allow longer with --timeout." } }), timeoutMs).unref();
    });
  } catch (error) {
    failure = { step: "Start pod", error: error as UserErrorInfo };
  } finally {
    await following.stop();
  }
  if (!failure) return;
  await api.call("pod.stop", {});
  if (failure.step === "3/6 The name") await api.call("settings.set", { changes: { "dns.provider": "none" } });
  throw new UserError({ code: failure.error.code, message: `Step ${failure.step}: ${failure.error.message} Everything was stopped again.`, ...(failure.error.fix ? { fix: failure.error.fix } : {}) });
}

interface Failure {
  step: string;
  error: UserErrorInfo;
}

const stepNames: Record<StepId, string> = { usage: "1/6 How this PC is used", pod: "2/6 The pod", name: "3/6 The name", reach: "4/6 Reachability", certificate: "5/6 Certificate", review: "6/6 Review" };

/** The wizard's judgement of the chain (shared/setup.ts), with the step named for the terminal. */
function judgeChain(snapshot: StatusSnapshot, settings: Settings, startedAt: number): "working" | "done" | Failure {
  const outcome = chainOutcome(snapshot, settings, startedAt);
  if (outcome.kind === "failed") return { step: stepNames[outcome.step], error: outcome.error };
  return outcome.kind;
}
