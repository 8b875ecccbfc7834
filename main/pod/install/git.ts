import { existsSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../../../shared/errors";
import { isStableTag, newestFirst } from "../../../shared/install";
import { output } from "./commands";

/** git never asks for a password (a private or mistyped URL fails instead of hanging). */
export function gitEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, GIT_TERMINAL_PROMPT: "0", GIT_ASKPASS: "", LC_ALL: "C" };
}

/** The release tags a repository offers (`git ls-remote --tags`), newest stable first. */
export async function listReleases(repository: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  const answer = await output("git", ["ls-remote", "--tags", "--refs", repository], { env: gitEnv(env), timeoutMs: 60_000 });
  if (!answer.ok) {
    const why = answer.missing ? "git is not installed" : answer.text.split("\n").filter(Boolean).pop() ?? "no answer";
    throw new UserError({ code: "releases-unreachable", field: "pod.install.repository", message: `podhost could not list diaspora*'s releases at ${repository}: ${why}.`, fix: answer.missing ? "Install git, then try again." : "Check your internet connection and pod.install.repository (Settings > Pod), then try again." });
  }
  const tags = answer.text.split("\n").map((line) => /refs\/tags\/(\S+)$/.exec(line)?.[1]).filter((tag): tag is string => tag !== undefined);
  return tags.filter(isStableTag).sort(newestFirst);
}

/** The tag to install: the one asked for (it must exist), else the newest stable release. */
export async function chooseRelease(repository: string, env: NodeJS.ProcessEnv, wanted?: string): Promise<string> {
  const releases = await listReleases(repository, env);
  if (wanted) {
    const all = await output("git", ["ls-remote", "--tags", "--refs", repository, `refs/tags/${wanted}`], { env: gitEnv(env), timeoutMs: 60_000 });
    if (all.ok && all.text.includes(`refs/tags/${wanted}`)) return wanted;
    throw new UserError({ code: "release-unknown", message: `${repository} has no release ${wanted}.`, fix: `Choose one of: ${releases.slice(0, 5).join(", ") || "(none found)"}.` });
  }
  if (!releases[0]) throw new UserError({ code: "no-release", field: "pod.install.repository", message: `${repository} has no stable release tags (like v0.9.1.0).`, fix: "Check pod.install.repository (Settings > Pod): it should be diaspora*'s repository." });
  return releases[0];
}

/** The git commands that fetch `tag` (shallow) into `dir`, creating the repository there when needed. */
export function fetchCommands(dir: string, repository: string, tag: string): Array<[string, string[]]> {
  const init: Array<[string, string[]]> = existsSync(join(dir, ".git")) ? [] : [["git", ["init", "--quiet", dir]]];
  return [...init, ["git", ["-C", dir, "fetch", "--progress", "--depth", "1", "--no-tags", repository, `+refs/tags/${tag}:refs/tags/${tag}`]]];
}

export async function hasTag(dir: string, tag: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  return (await output("git", ["-C", dir, "rev-parse", "--verify", "--quiet", `refs/tags/${tag}^{commit}`], { env: gitEnv(env) })).ok;
}

/** A file of the release, read from git without checking it out (e.g. `.ruby-version`). */
export async function readAtTag(dir: string, tag: string, file: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const answer = await output("git", ["-C", dir, "show", `refs/tags/${tag}:${file}`], { env: gitEnv(env) });
  return answer.ok ? answer.text.trim() : undefined;
}

/** The release tag the checkout is at (undefined: not a release podhost knows). */
export async function checkedOutTag(dir: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const answer = await output("git", ["-C", dir, "describe", "--tags", "--exact-match", "HEAD"], { env: gitEnv(env) });
  return answer.ok ? answer.text.trim() : undefined;
}

/** Tracked files changed by hand: a checkout would overwrite them, so podhost refuses and says which. */
export async function localChanges(dir: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  const answer = await output("git", ["-C", dir, "status", "--porcelain", "--untracked-files=no"], { env: gitEnv(env) });
  return answer.ok ? answer.text.split("\n").filter(Boolean).map((line) => line.slice(3)) : [];
}

export function checkoutCommand(dir: string, tag: string): [string, string[]] {
  return ["git", ["-C", dir, "-c", "advice.detachedHead=false", "checkout", "--quiet", "--detach", `refs/tags/${tag}`]];
}
