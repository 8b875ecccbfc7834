/**
 * The two proxies side by side, each in front of its own recording backends: podhost's engine
 * and Debian's nginx configured as diaspora*'s reference setup (upstream keep-alive, request
 * buffering, the same forwarding headers and body limit). Cases run in lanes: each lane is one
 * listener of each proxy with one recorder behind it, so a lane runs one case at a time and
 * everything its recorders see belongs to that case.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultLimits, type ProxyConfig } from "../../../main/proxy/config";
import { startProxy } from "../../../main/proxy/engine";
import { freePort } from "../../helpers/ports";
import { waitFor } from "../../helpers/temp";
import { requireTool } from "../../helpers/tools";
import { makeCertificate } from "../../webserver/servers";
import { TestCertificates } from "../fixtures";
import { startRecorder, type Recorder } from "./recorder";

/** The site both proxies serve: two names, and a prefix route as a sub-path site has. */
export const site = { name: "pod.example.test", otherName: "other.example.test", prefix: "/blog" };
/** podhost's proxy.maxBodyMiB as the test configures it; nginx's client_max_body_size is the same. */
export const bodyLimitBytes = 64 * 1024;
/** How long either proxy waits for the app's answer: long enough for a loaded machine, short enough for a case that hangs an upstream. */
const upstreamTimeoutSeconds = 3;

/** One listener of a proxy and the recorder behind it. */
export interface Lane {
  httpPort: number;
  /** 0 when the proxy has no TLS listener. */
  httpsPort: number;
  recorder: Recorder;
}

export interface Subject {
  name: string;
  lanes: Lane[];
  close(): Promise<void>;
}

/** How a proxy under test is started in front of `recorders` (one listener per recorder). */
export type StartSubject = (recorders: Recorder[]) => Promise<{ ports: { http: number; https: number }[]; close(): Promise<void> }>;

/** `lanes` recorders and the proxy `start` puts in front of them, named `name` in reports. */
export async function withRecorders(name: string, lanes: number, start: StartSubject): Promise<Subject> {
  const recorders = await Promise.all(Array.from({ length: lanes }, () => startRecorder()));
  const started = await start(recorders);
  return {
    name,
    lanes: recorders.map((recorder, i) => ({ recorder, httpPort: started.ports[i]!.http, httpsPort: started.ports[i]!.https })),
    async close() {
      await started.close();
      await Promise.all(recorders.map((r) => r.close()));
    },
  };
}

/** podhost's engine, one instance per lane, configured as the nginx below. */
export const startPodhost: StartSubject = async (recorders) => {
  const certificates = new TestCertificates([site.name, site.otherName]);
  const engines = await Promise.all(
    recorders.map((recorder) => {
      const upstream = { host: "127.0.0.1", port: recorder.port };
      const config: ProxyConfig = {
        https: { port: 0, host: "127.0.0.1" },
        http: { port: 0, host: "127.0.0.1", redirectToHttps: false },
        passthrough: [],
        hosts: [
          { names: [site.name], routes: [{ prefix: "", upstream }, { prefix: site.prefix, upstream }] },
          { names: [site.otherName], routes: [{ prefix: "", upstream }] },
        ],
        limits: { ...defaultLimits, bodyBytes: bodyLimitBytes, upstreamHeadersTimeoutMs: upstreamTimeoutSeconds * 1000 },
      };
      return startProxy(config, certificates);
    }),
  );
  const port = (engine: (typeof engines)[number], proto: string) => engine.listeners().find((l) => l.proto === proto)!.port;
  return {
    ports: engines.map((engine) => ({ http: port(engine, "http"), https: port(engine, "https") })),
    close: async () => void (await Promise.all(engines.map((engine) => engine.close()))),
  };
};

/** The headers diaspora*'s reference setup (and podhost) write: replaced, never appended. */
function forwardingHeaders(prefix?: string): string {
  return [
    "proxy_set_header Host $http_host;",
    "proxy_set_header X-Forwarded-For $remote_addr;",
    "proxy_set_header X-Real-IP $remote_addr;",
    "proxy_set_header X-Forwarded-Proto $scheme;",
    "proxy_set_header X-Forwarded-Host $http_host;",
    "proxy_set_header X-Forwarded-Port $podhost_port;",
    'proxy_set_header Forwarded "for=$remote_addr;host=\\"$http_host\\";proto=$scheme";',
    ...(prefix ? [`proxy_set_header X-Forwarded-Prefix ${prefix};`] : []),
    "proxy_set_header Upgrade $http_upgrade;",
    "proxy_set_header Connection $podhost_connection;",
  ].join("\n      ");
}

function nginxConfig(dir: string, lanes: { recorder: number; http: number; https: number }[], cert: { certFile: string; keyFile: string }): string {
  const temp = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((name) => `${name}_temp_path ${dir}/${name};`).join(" ");
  const servers = lanes.map(
    (lane, i) => `
  upstream lane${i} { server 127.0.0.1:${lane.recorder}; keepalive 64; }
  server {
    listen 127.0.0.1:${lane.http} default_server; listen 127.0.0.1:${lane.https} ssl default_server;
    server_name _;
    return 421;
  }
  server {
    listen 127.0.0.1:${lane.http}; listen 127.0.0.1:${lane.https} ssl;
    server_name ${site.otherName};
    location / {
      proxy_pass http://lane${i};
      ${forwardingHeaders()}
    }
  }
  server {
    listen 127.0.0.1:${lane.http}; listen 127.0.0.1:${lane.https} ssl;
    server_name ${site.name};
    location / {
      proxy_pass http://lane${i};
      ${forwardingHeaders()}
    }
    location ${site.prefix}/ {
      proxy_pass http://lane${i}/;
      ${forwardingHeaders(site.prefix)}
    }
    location = ${site.prefix} {
      proxy_pass http://lane${i}/;
      ${forwardingHeaders(site.prefix)}
    }
  }`,
  );
  // Workers as root: they write request bodies into the temp dir, which only root may enter.
  return `user root;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
worker_processes 1;
events { worker_connections 4096; }
http {
  access_log off;
  ${temp}
  ssl_certificate ${cert.certFile};
  ssl_certificate_key ${cert.keyFile};
  keepalive_requests 100000;
  large_client_header_buffers 4 16k;
  client_max_body_size ${bodyLimitBytes / 1024}k;
  proxy_http_version 1.1;
  proxy_request_buffering on;
  proxy_redirect off;
  proxy_read_timeout ${upstreamTimeoutSeconds}s;
  map $http_upgrade $podhost_connection { default upgrade; "" ""; }
  map "$scheme|$http_host" $podhost_port { "~\\|[^|]*:(?<port>[0-9]+)$" $port; "~^https\\|" 443; default 80; }
${servers.join("\n")}
}
`;
}

function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1", () => {
      socket.destroy();
      resolve(true);
    }).on("error", () => resolve(false));
  });
}

/** Debian's nginx as a child process with its whole configuration in a temp dir. */
export const startNginx: StartSubject = async (recorders) => {
  const dir = await mkdtemp(join(tmpdir(), "podhost-diff-nginx-"));
  const cert = await makeCertificate(dir, [site.name, site.otherName]);
  const ports: { recorder: number; http: number; https: number }[] = [];
  // Each free port is drawn at random: two draws can give the same one, which nginx refuses to start with.
  const drawn = new Set<number>();
  const distinctPort = async (): Promise<number> => {
    let port = await freePort();
    while (drawn.has(port)) port = await freePort();
    drawn.add(port);
    return port;
  };
  for (const recorder of recorders) ports.push({ recorder: recorder.port, http: await distinctPort(), https: await distinctPort() });
  const file = join(dir, "nginx.conf");
  await writeFile(file, nginxConfig(dir, ports, cert));
  const child: ChildProcess = spawn(requireTool("nginx", ["/usr/sbin/nginx"]), ["-p", dir, "-c", file, "-g", "daemon off;"], { stdio: ["ignore", "ignore", "pipe"] });
  let output = "";
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitFor("nginx to listen on every lane", async () => {
      if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}: ${output}`);
      return (await Promise.all(ports.flatMap((p) => [accepting(p.http), accepting(p.https)]))).every(Boolean);
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { ports, close: stop };
};
