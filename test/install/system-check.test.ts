import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { detectOs, installCommand } from "../../main/pod/install/packages";
import { checkSystem } from "../../main/pod/install/system-check";
import type { SystemCheck } from "../../shared/install";
import { makeRubyStandIn } from "../fixtures/diaspora-release/repository";
import { tempDir } from "../helpers/temp";
import { requireTool } from "../helpers/tools";

/** The shell's own answer: is `program` on this PATH? */
const onPath = (program: string, path: string) => spawnSync("sh", ["-c", `command -v ${program}`], { env: { PATH: path } }).status === 0;
const item = (check: SystemCheck, id: string) => check.items.find((i) => i.id === id)!;

describe("the system check, on this machine", () => {
  let root: string;
  let cleanup: () => Promise<void>;
  const systemPath = `${dirname(process.execPath)}:/usr/bin:/bin`;

  beforeAll(async () => {
    ({ path: root, cleanup } = await tempDir("podhost-syscheck-"));
    await mkdir(join(root, "empty"));
  });
  afterAll(async () => cleanup?.());

  it("finds the programs and libraries this machine has, as the shell, pkg-config and the linker see them", async () => {
    const check = await checkSystem({ env: { PATH: systemPath, HOME: root }, rubyVersion: "3.3" });
    expect(detectOs().family).toBe("debian");
    for (const [id, program] of [["git", "git"], ["node", "node"], ["bundler", "bundle"]] as const) expect(item(check, id).ok, id).toBe(onPath(program, systemPath));
    expect(item(check, "compiler").ok).toBe(onPath("cc", systemPath) && onPath("make", systemPath));
    const pkgConfig = requireTool("pkg-config", ["/usr/bin/pkg-config"]);
    for (const [id, module] of [["libpq", "libpq"], ["libssl", "openssl"], ["libyaml", "yaml-0.1"]] as const) {
      expect(item(check, id).ok, id).toBe(spawnSync(pkgConfig, ["--exists", module]).status === 0);
    }
    expect(item(check, "libcurl").ok).toBe(execFileSync("ldconfig", ["-p"], { encoding: "utf8" }).includes("libcurl.so.4 "));
    expect(item(check, "imagemagick").ok).toBe(/ImageMagick/.test(spawnSync("convert", ["-version"], { env: { PATH: systemPath }, encoding: "utf8" }).stdout ?? ""));
    // Ruby: whatever this machine has (Debian's ruby is usually not installed here).
    const ruby = spawnSync("ruby", ["-e", "print RUBY_VERSION"], { env: { PATH: systemPath }, encoding: "utf8" });
    if (ruby.status === 0) expect(item(check, "ruby").found).toContain(ruby.stdout);
    else expect(item(check, "ruby")).toMatchObject({ ok: false, problem: "Ruby is not installed, or not on the PATH podhost runs with." });
    expect(check.ok).toBe(check.items.every((i) => i.ok));
  });

  it("names each missing program with the exact Debian command when the PATH has none of them", async () => {
    const check = await checkSystem({ env: { PATH: join(root, "empty"), HOME: root }, rubyVersion: "3.3" });
    expect(check.ok).toBe(false);
    expect(item(check, "git")).toMatchObject({ ok: false, fix: "sudo apt install git" });
    expect(item(check, "compiler")).toMatchObject({ ok: false, problem: "a C compiler (cc) and make are missing: gems with native extensions cannot be built.", fix: "sudo apt install build-essential" });
    expect(item(check, "node")).toMatchObject({ ok: false, fix: "sudo apt install nodejs" });
    expect(item(check, "bundler")).toMatchObject({ ok: false, fix: "gem install bundler" });
    expect(item(check, "imagemagick")).toMatchObject({ ok: false, fix: "sudo apt install imagemagick" });
    expect(item(check, "ruby")).toMatchObject({ ok: false, problem: "Ruby is not installed, or not on the PATH podhost runs with." });
    expect(item(check, "ruby").fix).toContain("rbenv install 3.3");
    // Headers are files, not programs: a narrow PATH does not hide them.
    expect(item(check, "libpq")).toMatchObject({ ok: true, found: "/usr/include/postgresql/libpq-fe.h" });
  });

  it("tells a ruby of the wrong version from the one .ruby-version names, and accepts a matching one", async () => {
    const bin = join(root, "ruby-bin");
    const ruby = await makeRubyStandIn(bin, "3.1.2");
    const env = { PATH: `${bin}:${systemPath}`, HOME: root };
    expect(item(await checkSystem({ env, rubyVersion: "3.3" }), "ruby")).toMatchObject({ ok: false, found: "Ruby 3.1.2", problem: "diaspora* needs Ruby 3.3, but ruby here is 3.1.2." });
    await ruby.setVersion("3.3.6");
    expect(item(await checkSystem({ env, rubyVersion: "3.3" }), "ruby")).toMatchObject({ ok: true, found: "Ruby 3.3.6" });
    expect(item(await checkSystem({ env, rubyVersion: "3.3.7" }), "ruby").ok).toBe(false);
  });

  it("uses the Ruby version manager that is there for the fix", async () => {
    const home = join(root, "home-with-rbenv");
    await mkdir(join(home, ".rbenv", "bin"), { recursive: true });
    await writeFile(join(home, ".rbenv", "bin", "rbenv"), "#!/bin/sh\n", { mode: 0o755 });
    const ruby = item(await checkSystem({ env: { PATH: join(root, "empty"), HOME: home }, rubyVersion: "3.3.6" }), "ruby");
    expect(ruby.fix).toBe("rbenv install 3.3.6");
    expect(ruby.problem).toContain("rbenv is installed");
  });
});

describe("the system check's commands for each OS", () => {
  const releases: Array<[string, string, string]> = [
    ["ID=ubuntu\nID_LIKE=debian\nPRETTY_NAME=\"Ubuntu 24.04 LTS\"", "debian", "sudo apt install libpq-dev"],
    ["ID=fedora\nPRETTY_NAME=\"Fedora Linux 40\"", "fedora", "sudo dnf install libpq-devel"],
    ["ID=arch\nPRETTY_NAME=\"Arch Linux\"", "arch", "sudo pacman -S --needed postgresql-libs"],
  ];
  it.each(releases)("reads /etc/os-release and gives that system's package command (%#)", (osRelease, family, libpqFix) => {
    const os = detectOs("linux", osRelease);
    expect(os.family).toBe(family);
    expect(installCommand("libpq", os.family)).toBe(libpqFix);
  });

  it("uses Homebrew on macOS, and Xcode's tools for the compiler", () => {
    expect(detectOs("darwin").family).toBe("macos");
    expect(installCommand("imagemagick", "macos")).toBe("brew install imagemagick");
    expect(installCommand("compiler", "macos")).toBe("xcode-select --install");
  });

  it("says diaspora* does not run on Windows and points to WSL2", async () => {
    const check = await checkSystem({ env: {}, os: detectOs("win32") });
    expect(check).toMatchObject({ supported: false, ok: false });
    expect(check.items[0]).toMatchObject({ problem: "diaspora* does not support Windows." });
    expect(check.items[0]!.fix).toContain("wsl --install");
  });
});
