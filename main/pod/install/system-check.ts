import { existsSync, readdirSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import type { OsFamily, SystemCheck, SystemCheckItem } from "../../../shared/install";
import { output } from "./commands";
import { detectOs, installCommand, rubyCommand } from "./packages";

export interface SystemCheckOptions {
  /** The environment the install steps run with (its PATH decides what is found). */
  env: NodeJS.ProcessEnv;
  /** Where Ruby is asked for its version, so a version manager's .ruby-version applies. */
  cwd?: string;
  /** The Ruby version the release's .ruby-version names. */
  rubyVersion?: string;
  os?: { family: OsFamily; name: string };
  now?: number;
}

/**
 * Step 1: what diaspora* needs from this computer, checked the way the install steps will use
 * it (programs on the same PATH, Ruby run in the checkout), each missing piece with the exact
 * command for this OS.
 */
export async function checkSystem(options: SystemCheckOptions): Promise<SystemCheck> {
  const os = options.os ?? detectOs();
  const now = options.now ?? Date.now();
  if (os.family === "windows") {
    const item: SystemCheckItem = {
      id: "windows",
      label: "An operating system diaspora* runs on",
      ok: false,
      problem: "diaspora* does not support Windows.",
      fix: "Install Debian in WSL2 (in PowerShell: wsl --install -d Debian), then install and run podhost inside it.",
    };
    return { os, supported: false, items: [item], ok: false, checkedAt: now };
  }
  const { env } = options;
  const run = (command: string, args: string[]) => output(command, args, { env, ...(options.cwd ? { cwd: options.cwd } : {}) });
  const program = async (id: string, label: string, command: string, fix: string): Promise<SystemCheckItem> => {
    const answer = await run(command, ["--version"]);
    if (answer.ok) return { id, label, ok: true, found: firstLine(answer.text) };
    return { id, label, ok: false, problem: `${command} is not installed (or not on the PATH podhost runs with).`, fix };
  };
  const pkgConfig = (name: string) => run("pkg-config", ["--variable=includedir", name]).then((a) => (a.ok && a.text ? [a.text] : []));
  const header = async (id: string, label: string, file: string, piece: Parameters<typeof installCommand>[0], extraDirs: Promise<string[]>): Promise<SystemCheckItem> => {
    const dirs = [...(await extraDirs), ...includeDirs(piece)];
    const at = dirs.find((dir) => existsSync(join(dir, file)));
    if (at) return { id, label, ok: true, found: join(at, file) };
    return { id, label, ok: false, problem: `${file} is missing: the gems cannot be built without it.`, fix: installCommand(piece, os.family) };
  };

  const items = await Promise.all([
    program("git", "git", "git", installCommand("git", os.family)),
    compiler(run, os.family),
    header("libpq", "PostgreSQL client library (libpq), for the pg gem", "libpq-fe.h", "libpq", Promise.all([pkgConfig("libpq"), run("pg_config", ["--includedir"]).then((a) => (a.ok ? [a.text] : []))]).then((lists) => lists.flat())),
    header("libssl", "OpenSSL (libssl)", "openssl/ssl.h", "libssl", pkgConfig("openssl")),
    header("libyaml", "libyaml, for the psych gem", "yaml.h", "libyaml", pkgConfig("yaml-0.1")),
    imageMagick(run, os.family),
    libcurl(os.family),
    ruby(run, os.family, options.rubyVersion, env),
    program("bundler", "Bundler", "bundle", "gem install bundler"),
    program("node", "Node.js (builds the stylesheets and scripts)", "node", installCommand("node", os.family)),
  ]);
  return { os, supported: true, items, ok: items.every((item) => item.ok), checkedAt: now, ...(options.rubyVersion ? { rubyVersion: options.rubyVersion } : {}) };
}

type Run = (command: string, args: string[]) => ReturnType<typeof output>;

async function compiler(run: Run, os: OsFamily): Promise<SystemCheckItem> {
  const label = "A C compiler and make";
  const cc = await run("cc", ["--version"]);
  const make = await run("make", ["--version"]);
  if (cc.ok && make.ok) return { id: "compiler", label, ok: true, found: firstLine(cc.text) };
  const missing = [cc.ok ? "" : "a C compiler (cc)", make.ok ? "" : "make"].filter(Boolean).join(" and ");
  return { id: "compiler", label, ok: false, problem: `${missing} ${missing.includes(" and ") ? "are" : "is"} missing: gems with native extensions cannot be built.`, fix: installCommand("compiler", os) };
}

/** mini_magick calls ImageMagick's program: `magick` (version 7) or `convert` (6), and it must say it is ImageMagick. */
async function imageMagick(run: Run, os: OsFamily): Promise<SystemCheckItem> {
  const label = "ImageMagick (resizes uploaded photos)";
  for (const command of ["magick", "convert"]) {
    const answer = await run(command, ["-version"]);
    if (answer.ok && /ImageMagick/.test(answer.text)) return { id: "imagemagick", label, ok: true, found: firstLine(answer.text) };
  }
  return { id: "imagemagick", label, ok: false, problem: "ImageMagick's magick or convert program is not installed.", fix: installCommand("imagemagick", os) };
}

/** Typhoeus loads libcurl when the pod runs; its shared library is what must be there. */
async function libcurl(os: OsFamily): Promise<SystemCheckItem> {
  const label = "libcurl (diaspora* fetches from other pods with it)";
  const names = ["libcurl.so.4", "libcurl.so", "libcurl.4.dylib", "libcurl.dylib"];
  for (const dir of libraryDirs()) {
    const name = names.find((n) => existsSync(join(dir, n)));
    if (name) return { id: "libcurl", label, ok: true, found: join(dir, name) };
  }
  return { id: "libcurl", label, ok: false, problem: "The libcurl library is not installed.", fix: installCommand("libcurl", os) };
}

async function ruby(run: Run, os: OsFamily, wanted: string | undefined, env: NodeJS.ProcessEnv): Promise<SystemCheckItem> {
  const manager = versionManager(env);
  const label = wanted ? `Ruby ${wanted} (the release's .ruby-version)` : "Ruby";
  const answer = await run("ruby", ["-e", "print RUBY_VERSION"]);
  const found = answer.ok ? answer.text.trim() : undefined;
  const fix = rubyCommand(wanted ?? "3.3", os, manager);
  const how = manager ? ` (${manager} is installed: it provides it, and its shims must come first on the PATH podhost runs with)` : "";
  if (!found) return { id: "ruby", label, ok: false, problem: `Ruby is not installed, or not on the PATH podhost runs with${how}.`, fix };
  if (wanted && !rubyMatches(found, wanted)) return { id: "ruby", label, ok: false, found: `Ruby ${found}`, problem: `diaspora* needs Ruby ${wanted}, but ruby here is ${found}${how}.`, fix };
  return { id: "ruby", label, ok: true, found: `Ruby ${found}${manager ? ` (${manager})` : ""}` };
}

/** "3.3" accepts 3.3.x; "3.3.7" only 3.3.7; a "ruby-" prefix is ignored. */
export function rubyMatches(found: string, wanted: string): boolean {
  const want = wanted.trim().replace(/^ruby-/, "");
  return found === want || found.startsWith(`${want}.`);
}

/** rbenv, asdf, mise or RVM, on the PATH or in its usual home. */
function versionManager(env: NodeJS.ProcessEnv): string | undefined {
  const home = env.HOME ?? homedir();
  const homes: Record<string, string[]> = {
    rbenv: [join(home, ".rbenv", "bin", "rbenv")],
    asdf: [join(home, ".asdf", "bin", "asdf")],
    mise: [join(home, ".local", "bin", "mise")],
    rvm: [join(home, ".rvm", "bin", "rvm")],
  };
  const path = (env.PATH ?? "").split(delimiter).filter(Boolean);
  return Object.keys(homes).find((name) => homes[name]!.some(existsSync) || path.some((dir) => existsSync(join(dir, name))));
}

function includeDirs(piece: string): string[] {
  const formula = { libpq: "libpq", libssl: "openssl@3", libyaml: "libyaml" }[piece];
  return [
    "/usr/include",
    "/usr/include/postgresql",
    "/usr/local/include",
    "/opt/homebrew/include",
    ...(formula ? [`/opt/homebrew/opt/${formula}/include`, `/usr/local/opt/${formula}/include`] : []),
  ];
}

function libraryDirs(): string[] {
  const multiarch = (root: string) => {
    try {
      return readdirSync(root).filter((name) => name.endsWith("-linux-gnu")).map((name) => join(root, name));
    } catch {
      return [];
    }
  };
  return ["/usr/lib", "/lib", "/usr/lib64", "/lib64", ...multiarch("/usr/lib"), ...multiarch("/lib"), "/usr/local/lib", "/opt/homebrew/opt/curl/lib", "/opt/homebrew/lib"];
}

function firstLine(text: string): string {
  return text.split("\n")[0]!.trim();
}
