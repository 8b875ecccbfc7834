import { readFileSync } from "node:fs";
import type { OsFamily } from "../../../shared/install";

/**
 * The exact command that provides each piece diaspora* needs, per OS: the package names of
 * diaspora*'s own installation guides for Debian/Ubuntu, Fedora, Arch and macOS (Homebrew).
 */
type Piece = "git" | "compiler" | "libpq" | "libssl" | "libyaml" | "imagemagick" | "libcurl" | "node";

const packages: Record<Piece, Partial<Record<OsFamily, string>>> = {
  git: { debian: "git", fedora: "git", arch: "git", macos: "git" },
  compiler: { debian: "build-essential", fedora: "gcc gcc-c++ make", arch: "base-devel" },
  libpq: { debian: "libpq-dev", fedora: "libpq-devel", arch: "postgresql-libs", macos: "libpq" },
  libssl: { debian: "libssl-dev", fedora: "openssl-devel", arch: "openssl", macos: "openssl@3" },
  libyaml: { debian: "libyaml-dev", fedora: "libyaml-devel", arch: "libyaml", macos: "libyaml" },
  imagemagick: { debian: "imagemagick", fedora: "ImageMagick", arch: "imagemagick", macos: "imagemagick" },
  libcurl: { debian: "libcurl4", fedora: "libcurl", arch: "curl", macos: "curl" },
  node: { debian: "nodejs", fedora: "nodejs", arch: "nodejs", macos: "node" },
};

const installers: Partial<Record<OsFamily, (names: string) => string>> = {
  debian: (names) => `sudo apt install ${names}`,
  fedora: (names) => `sudo dnf install ${names}`,
  arch: (names) => `sudo pacman -S --needed ${names}`,
  macos: (names) => `brew install ${names}`,
};

export function installCommand(piece: Piece, os: OsFamily): string {
  if (piece === "compiler" && os === "macos") return "xcode-select --install";
  const names = packages[piece][os];
  const installer = installers[os];
  if (names && installer) return installer(names);
  return `Install it with your system's package manager (Debian's package is ${packages[piece].debian}).`;
}

/** Ruby at `version`: with the version manager already there, else rbenv (Homebrew's on macOS). */
export function rubyCommand(version: string, os: OsFamily, manager: string | undefined): string {
  switch (manager) {
    case "rbenv":
      return `rbenv install ${version}`;
    case "asdf":
      return `asdf install ruby ${version}`;
    case "mise":
      return `mise install ruby@${version}`;
    case "rvm":
      return `rvm install ${version}`;
  }
  if (os === "macos") return `brew install rbenv ruby-build && rbenv install ${version}`;
  return `git clone https://github.com/rbenv/rbenv.git ~/.rbenv && git clone https://github.com/rbenv/ruby-build.git ~/.rbenv/plugins/ruby-build && ~/.rbenv/bin/rbenv install ${version}`;
}

/** Which family of OS this is, from the platform and /etc/os-release (ID and ID_LIKE). */
export function detectOs(platform: NodeJS.Platform = process.platform, osRelease = readOsRelease()): { family: OsFamily; name: string } {
  if (platform === "win32") return { family: "windows", name: "Windows" };
  if (platform === "darwin") return { family: "macos", name: "macOS" };
  const field = (key: string) => new RegExp(`^${key}="?([^"\\n]*)"?$`, "m").exec(osRelease)?.[1] ?? "";
  const ids = `${field("ID")} ${field("ID_LIKE")}`.split(/\s+/);
  const name = field("PRETTY_NAME") || field("NAME") || platform;
  if (ids.some((id) => ["debian", "ubuntu"].includes(id))) return { family: "debian", name };
  if (ids.some((id) => ["fedora", "rhel", "centos"].includes(id))) return { family: "fedora", name };
  if (ids.some((id) => ["arch", "manjaro"].includes(id))) return { family: "arch", name };
  return { family: "other", name };
}

function readOsRelease(): string {
  try {
    return readFileSync("/etc/os-release", "utf8");
  } catch {
    return "";
  }
}
