import { execFileSync } from "node:child_process";
import { chown, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The unprivileged account the tests run PostgreSQL (and a daemon that manages it) as: initdb and postgres refuse root. */
export interface TestUser {
  name: string;
  uid: number;
  gid: number;
}

const name = "podhost-test";

/** Creates the account once per machine (a system user without a home or a login shell). */
export function testUser(): TestUser {
  const lookup = (): TestUser | undefined => {
    try {
      const id = (flag: string) => Number(execFileSync("id", [flag, name], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim());
      return { name, uid: id("-u"), gid: id("-g") };
    } catch {
      return undefined;
    }
  };
  const existing = lookup();
  if (existing) return existing;
  try {
    execFileSync("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "--user-group", name], { stdio: "pipe" });
  } catch (error) {
    // Another test file may have created it at the same moment.
    if (!lookup()) throw new Error(`cannot create the unprivileged test user ${name} (the tests run as root to do so): ${String(error)}`);
  }
  return lookup()!;
}

/** A temp dir the test user owns (mkdtemp makes it 0700 for root). */
export async function ownedTempDir(user: TestUser, prefix = "podhost-pg-"): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  await chown(path, user.uid, user.gid);
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

/** Hands a tree the test made as root to the test user. */
export function giveTo(user: TestUser, ...paths: string[]): void {
  execFileSync("chown", ["-R", `${user.uid}:${user.gid}`, ...paths]);
}
