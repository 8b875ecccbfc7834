import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { standInPod } from "./helpers";

/** A diaspora.toml in the shape of diaspora.toml.example: comments, commented-out defaults, other tables. */
export const exampleToml = `## Some notes about this file:
## - All settings are commented out with a single #

## You need to change or at least review the settings in this section
[configuration.environment]

## DO NOT CHANGE THIS AFTER INITIAL SETUP!
#url = "https://example.org/"

## Set the bundle of certificate authorities (CA) certificates.
#certificate_authorities = "/etc/ssl/certs/ca-certificates.crt"
## For CentOS, Fedora:
#certificate_authorities = "/etc/pki/tls/certs/ca-bundle.crt"

## URL for a remote Redis (default="localhost").
REDIS_LINE

## Require SSL (default=true).
#require_ssl = true

## Sidekiq - background processing
[configuration.environment.sidekiq]
concurrency = 7 # keep in step with database.yml

## Settings affecting how ./script/server behaves.
[configuration.server]

## Where the appserver should listen to (default="unix://tmp/diaspora.sock")
#listen = "unix://tmp/diaspora.sock"
#listen = "tcp://127.0.0.1:3000"

[configuration.settings]
pod_name = "Our little pod"
`;

/**
 * A folder that looks like a diaspora* checkout to podhost: Gemfile, config/ with diaspora.toml
 * and database.yml, public/assets, and bin/puma + bin/bundle shell scripts that record their
 * argv, cwd and environment into `<record>/<name>.*` and then run the stand-in pod (web) or idle
 * (sidekiq). `fakeBin` holds `ruby` and `bundle` for the prerequisite check.
 */
export async function fakeCheckout(root: string, options: { redisUrl: string; dbPort: number }) {
  const dir = join(root, "diaspora");
  const record = join(root, "record");
  const fakeBin = join(root, "fake-bin");
  for (const sub of ["config", "bin", "public/assets", record, fakeBin]) await mkdir(sub.startsWith("/") ? sub : join(dir, sub), { recursive: true });
  await writeFile(join(dir, "Gemfile"), 'source "https://rubygems.org"\ngem "rails"\n');
  await writeFile(join(dir, "config", "diaspora.toml"), exampleToml.replace("REDIS_LINE", `redis = "${options.redisUrl}"`));
  await writeFile(join(dir, "config", "database.yml"), `postgresql: &postgresql\n  adapter: postgresql\n  host: "127.0.0.1"\n  port: ${options.dbPort}\n  username: "diaspora"\n  password: "secret"\ncommon: &common\n  <<: *postgresql\nproduction:\n  <<: *common\n  database: diaspora_production\n`);
  const recorder = (name: string) => `printf '%s\\n' "$0" "$@" > '${record}/${name}.argv'; pwd > '${record}/${name}.cwd'; env > '${record}/${name}.env'`;
  await script(join(dir, "bin", "puma"), `${recorder("web")}\nexec '${process.execPath}' '${standInPod}' --port "\${SERVER_LISTEN##*:}" --require-https-header`);
  await script(join(dir, "bin", "bundle"), `${recorder("sidekiq")}\nexec sleep 600`);
  await script(join(fakeBin, "ruby"), 'echo "ruby 3.3.0"');
  await script(join(fakeBin, "bundle"), 'echo "Bundler version 2.5.0"');
  return { dir, record, fakeBin, path: `${fakeBin}:/usr/bin:/bin` };
}

async function script(path: string, body: string): Promise<void> {
  await writeFile(path, `#!/bin/sh\n${body}\n`);
  await chmod(path, 0o755);
}
