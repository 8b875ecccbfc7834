/**
 * The user's web servers, started by the tests as foreground processes on loopback ports with
 * their whole configuration in a temp dir: nothing of the system's own configuration is used.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdir, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import type { WebServerKind } from "../../shared/webserver";
import { waitFor } from "../helpers/temp";
import { requireTool } from "../helpers/tools";
export { freePort } from "../helpers/ports";

const run = promisify(execFile);


/** A self-signed certificate for `names` (the first is the subject), made by openssl. */
export async function makeCertificate(dir: string, names: string[]): Promise<{ certFile: string; keyFile: string }> {
  const certFile = join(dir, "cert.pem");
  const keyFile = join(dir, "key.pem");
  await run(requireTool("openssl"), [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
    "-subj", `/CN=${names[0]}`, "-addext", `subjectAltName=${names.map((n) => `DNS:${n}`).join(",")}`,
    "-keyout", keyFile, "-out", certFile,
  ]);
  return { certFile, keyFile };
}

/** Where the test's server listens, and what surrounds the snippet (the user's own config). */
export interface Frame {
  dir: string;
  http: number;
  https: number;
  certFile: string;
  keyFile: string;
  /** subpath: the user's existing HTTPS site the snippet goes into. */
  site?: string;
  /** port mode: the snippet only listens on the http port. */
  httpOnly?: boolean;
  /** nginx passthrough: the user's own HTTPS site, moved to this loopback port. */
  ownHttpsPort?: number;
}

export interface ServerUnderTest {
  kind: WebServerKind;
  /** The config file with `snippet` in its place; written into frame.dir. */
  write(snippet: string, frame: Frame): Promise<string>;
  /** The server's own config test; rejects with its output when it fails. */
  test(config: string, frame: Frame): Promise<string>;
  start(config: string, frame: Frame): Promise<RunningServer>;
}

export interface RunningServer {
  process: ChildProcess;
  stop(): Promise<void>;
}

async function runTest(tool: string, args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  try {
    const { stdout, stderr } = await run(tool, args, { env: { ...process.env, ...env } });
    return `${stdout}${stderr}`;
  } catch (error) {
    const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string };
    throw new Error(`${tool} ${args.join(" ")} failed:\n${stdout}${stderr}`);
  }
}

async function startProcess(tool: string, args: string[], frame: Frame, env?: NodeJS.ProcessEnv): Promise<RunningServer> {
  const child = spawn(tool, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const accepting = (port: number) =>
    new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1", () => resolve(true)).on("error", () => resolve(false));
      socket.on("connect", () => socket.destroy());
    });
  const running = {
    process: child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
  const ports = frame.httpOnly ? [frame.http] : [frame.http, frame.https];
  try {
    await waitFor(`${tool} to listen on ${ports.join(" and ")}`, async () => {
      if (child.exitCode !== null) throw new Error(`${tool} exited with ${child.exitCode}: ${output}`);
      return (await Promise.all(ports.map(accepting))).every(Boolean);
    });
  } catch (error) {
    await running.stop(); // never leave a server behind
    throw error;
  }
  return running;
}

const nginx: ServerUnderTest = {
  kind: "nginx",
  async write(snippet, frame) {
    const temp = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((name) => `    ${name}_temp_path ${frame.dir}/${name};`).join("\n");
    const passthrough = snippet.includes("stream {");
    const map = /^map [\s\S]*?^}/m.exec(snippet)?.[0] ?? "";
    const http = passthrough
      ? `server {\n    listen 127.0.0.1:${frame.ownHttpsPort} ssl;\n    server_name own.example.test;\n    ssl_certificate ${frame.certFile};\n    ssl_certificate_key ${frame.keyFile};\n    location / { return 200 "the user's own site\\n"; }\n}\nserver {\n    listen 127.0.0.1:${frame.http};\n    return 200 "own port 80\\n";\n}`
      : frame.site
        ? `${map}\nserver {\n    listen 127.0.0.1:${frame.https} ssl;\n    server_name ${frame.site};\n    ssl_certificate ${frame.certFile};\n    ssl_certificate_key ${frame.keyFile};\n${snippet.replace(map, "")}\n}\nserver {\n    listen 127.0.0.1:${frame.http};\n    return 200 "own port 80\\n";\n}`
        : `include ${frame.dir}/snippet.conf;`;
    await writeFile(join(frame.dir, "snippet.conf"), snippet);
    const config = `user root;
pid ${frame.dir}/nginx.pid;
error_log ${frame.dir}/error.log;
worker_processes 1;
${passthrough ? "load_module /usr/lib/nginx/modules/ngx_stream_module.so;\n" + snippet : ""}
events {}
http {
    access_log off;
${temp}
${http}
}
`;
    const file = join(frame.dir, "nginx.conf");
    await writeFile(file, config);
    return file;
  },
  test: (config, frame) => runTest(requireTool("nginx"), ["-t", "-p", frame.dir, "-c", config, "-g", "daemon off;"]),
  start: (config, frame) => startProcess(requireTool("nginx"), ["-p", frame.dir, "-c", config, "-g", "daemon off;"], frame),
};

const apacheModules = ["mpm_event", "authz_core", "proxy", "proxy_http", "proxy_wstunnel", "headers", "ssl", "rewrite", "socache_shmcb"];
const apacheEnv = (frame: Frame) => ({ APACHE_RUN_DIR: frame.dir, APACHE_LOCK_DIR: frame.dir, APACHE_PID_FILE: `${frame.dir}/apache2.pid`, APACHE_LOG_DIR: frame.dir, APACHE_RUN_USER: "www-data", APACHE_RUN_GROUP: "www-data" });

const apache: ServerUnderTest = {
  kind: "apache",
  async write(snippet, frame) {
    const site = frame.site
      ? `<VirtualHost 127.0.0.1:${frame.https}>\n    ServerName ${frame.site}\n    SSLEngine on\n    SSLCertificateFile ${frame.certFile}\n    SSLCertificateKeyFile ${frame.keyFile}\n${snippet}\n</VirtualHost>\n<VirtualHost 127.0.0.1:${frame.http}>\n    ServerName ${frame.site}\n</VirtualHost>`
      : snippet;
    const config = `ServerRoot ${frame.dir}
ServerName localhost
PidFile ${frame.dir}/apache2.pid
ErrorLog ${frame.dir}/error.log
DefaultRuntimeDir ${frame.dir}
Mutex file:${frame.dir} default
User www-data
Group www-data
${apacheModules.map((m) => `LoadModule ${m}_module /usr/lib/apache2/modules/mod_${m}.so`).join("\n")}
Listen 127.0.0.1:${frame.http}
Listen 127.0.0.1:${frame.https}
SSLSessionCache shmcb:${frame.dir}/ssl_scache(512000)
${site}
`;
    const file = join(frame.dir, "apache2.conf");
    await writeFile(file, config);
    return file;
  },
  test: (config, frame) => runTest(requireTool("apache2", ["/usr/sbin/apache2"]), ["-t", "-f", config], apacheEnv(frame)),
  start: (config, frame) => startProcess(requireTool("apache2", ["/usr/sbin/apache2"]), ["-f", config, "-DFOREGROUND"], frame, apacheEnv(frame)),
};

const caddyEnv = (frame: Frame) => ({ HOME: frame.dir, XDG_DATA_HOME: `${frame.dir}/data`, XDG_CONFIG_HOME: `${frame.dir}/config` });

const caddy: ServerUnderTest = {
  kind: "caddy",
  async write(snippet, frame) {
    // No admin endpoint, no automatic HTTPS, no trust store changes: nothing leaves this machine.
    const global = `{\n\tadmin off\n\tauto_https off\n\tskip_install_trust\n\tstorage file_system ${frame.dir}/data\n}\n`;
    const site = frame.site
      ? `${frame.site}:${frame.https} {\n\tbind 127.0.0.1\n\ttls ${frame.certFile} ${frame.keyFile}\n${snippet}\n}\nhttp://${frame.site}:${frame.http} {\n\tbind 127.0.0.1\n\trespond "own port 80"\n}\n`
      : snippet;
    const file = join(frame.dir, "Caddyfile");
    await writeFile(file, `${global}\n${site}`);
    return file;
  },
  test: (config, frame) => runTest(requireTool("caddy"), ["validate", "--config", config, "--adapter", "caddyfile"], caddyEnv(frame)),
  start: (config, frame) => startProcess(requireTool("caddy"), ["run", "--config", config, "--adapter", "caddyfile"], frame, caddyEnv(frame)),
};

const lighttpd: ServerUnderTest = {
  kind: "lighttpd",
  async write(snippet, frame) {
    await mkdir(join(frame.dir, "www"), { recursive: true });
    await writeFile(join(frame.dir, "snippet.conf"), snippet);
    const config = `server.document-root = "${frame.dir}/www"
server.errorlog = "${frame.dir}/error.log"
server.bind = "127.0.0.1"
server.port = ${frame.http}
server.modules = ( "mod_openssl" )
$SERVER["socket"] == "127.0.0.1:${frame.https}" {
    ssl.engine = "enable"
    ssl.pemfile = "${frame.certFile}"
    ssl.privkey = "${frame.keyFile}"
}
include "${frame.dir}/snippet.conf"
`;
    const file = join(frame.dir, "lighttpd.conf");
    await writeFile(file, config);
    return file;
  },
  test: (config) => runTest(requireTool("lighttpd", ["/usr/sbin/lighttpd"]), ["-tt", "-f", config]),
  start: (config, frame) => startProcess(requireTool("lighttpd", ["/usr/sbin/lighttpd"]), ["-D", "-f", config], frame),
};

export const serversUnderTest: ServerUnderTest[] = [nginx, apache, caddy, lighttpd];
