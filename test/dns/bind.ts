/** A real BIND 9 on 127.0.0.1 (ephemeral port) holding example.test, updatable with a TSIG key. */
import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { requireTool } from "../helpers/tools";
import { tempDir } from "../helpers/temp";
import { freePort } from "../helpers/ports";

export interface Bind {
  server: string;
  zone: string;
  keyName: string;
  secret: string;
  /** `dig +short` against this server. */
  dig(name: string, type: string): Promise<string[]>;
  /** Changes records with BIND's own `nsupdate` (TSIG-signed), e.g. ["update add x.example.test 60 TXT \"v\""]. */
  nsupdate(lines: string[]): Promise<void>;
  close(): Promise<void>;
}


export async function startBind(): Promise<Bind> {
  const named = requireTool("named", ["/usr/sbin/named"]);
  const dig = requireTool("dig", ["/usr/bin/dig"]);
  const nsupdate = requireTool("nsupdate", ["/usr/bin/nsupdate"]);
  const dir = await tempDir("podhost-bind-");
  const port = await freePort();
  const zone = "example.test";
  const keyName = "podhost-key";
  const secret = randomBytes(32).toString("base64");
  await writeFile(
    join(dir.path, `${zone}.zone`),
    `$TTL 300\n@ IN SOA ns.${zone}. hostmaster.${zone}. 1 3600 600 86400 300\n@ IN NS ns.${zone}.\nns IN A 127.0.0.1\n`,
  );
  await writeFile(
    join(dir.path, "named.conf"),
    `options {
  directory "${dir.path}";
  pid-file "${dir.path}/named.pid";
  session-keyfile "${dir.path}/session.key";
  managed-keys-directory "${dir.path}";
  listen-on port ${port} { 127.0.0.1; };
  listen-on-v6 { none; };
  recursion no;
  dnssec-validation no;
};
controls { };
key "${keyName}" { algorithm hmac-sha256; secret "${secret}"; };
zone "${zone}" { type primary; file "${dir.path}/${zone}.zone"; update-policy { grant ${keyName} zonesub ANY; }; };
`,
  );
  const child = spawn(named, ["-g", "-n", "1", "-c", join(dir.path, "named.conf")], { stdio: ["ignore", "ignore", "pipe"] });
  let output = "";
  await new Promise<void>((resolve, reject) => {
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("running")) resolve();
    });
    child.on("exit", (code) => reject(new Error(`named exited (${code}) before it was ready:\n${output}`)));
  });
  return {
    server: `127.0.0.1:${port}`,
    zone,
    keyName,
    secret,
    async dig(name, type) {
      const { stdout } = await promisify(execFile)(dig, ["@127.0.0.1", "-p", String(port), "+short", "+norecurse", name, type]);
      return stdout.trim().split("\n").filter(Boolean);
    },
    async nsupdate(lines) {
      await new Promise<void>((resolve, reject) => {
        const child = execFile(nsupdate, ["-y", `hmac-sha256:${keyName}:${secret}`], (error) => (error ? reject(error) : resolve()));
        child.stdin!.end([`server 127.0.0.1 ${port}`, ...lines, "send", ""].join("\n"));
      });
    },
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, "exit");
        child.kill("SIGTERM");
        await exited;
      }
      await dir.cleanup();
    },
  };
}
