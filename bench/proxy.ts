/**
 * The proxy against its yardsticks, all in one run: direct to a C-speed backend (nginx serving
 * 1 KiB), nginx as a proxy (1 worker, upstream keepalive; the goals' yardstick), nginx with as
 * many workers as podhost, Caddy (GOMAXPROCS=1), and podhost's engine in a child process (so
 * its RSS is its own), with its default worker processes and with one process, and the Node floor
 * (a fixed answer from node:net/node:tls, no proxying: what Node itself costs). podhost runs
 * bundled by esbuild, as the product ships (no TypeScript loader in the measured processes).
 * wrk drives every figure.
 *
 *   npx tsx bench/proxy.ts            (BENCH_WORKERS=n sets the multi-process column's workers, default 2)
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { createSecureContext, createServer as createTlsServer } from "node:tls";
import { fileURLToPath } from "node:url";
import { defaultLimits, type ProxyConfig } from "../main/proxy/config";
import { startProxy } from "../main/proxy/engine";
import type { BenchResult } from "./types";
import { freePort } from "../test/helpers/ports";

const seconds = Number(process.env.BENCH_SECONDS ?? 3);
/**
 * Every server and wrk run at the same raised priority, so the comparison is between them and
 * not against whatever else the machine is doing (as root; otherwise nice leaves it unchanged).
 */
const priority = ["-n", process.env.BENCH_NICE ?? "-10"];
const connections = 50;
/** Worker processes of the "podhost" column; "podhost 1p" is the product's default (proxy.workers unset). */
const podhostWorkers = Number(process.env.BENCH_WORKERS ?? Math.min(2, availableParallelism()));
const podhostName = "podhost";
const wideNginx = `nginx ${podhostWorkers}w`;
const floorName = "node floor";

interface WrkFigures {
  rps: number;
  /** CPU time the server under test spent per request (robust when the machine is busy). */
  cpuUsPerRequest?: number;
  p50us: number;
  p99us: number;
}

/** Run wrk and read requests/s and the latency percentiles. */
function wrk(url: string, options: { connections?: number; threads?: number; duration?: number; close?: boolean } = {}): Promise<WrkFigures> {
  const args = [`-t${options.threads ?? 2}`, `-c${options.connections ?? connections}`, `-d${options.duration ?? seconds}s`, "--latency"];
  if (options.close) args.push("-H", "Connection: close");
  return new Promise((resolve, reject) => {
    const child = spawn("nice", [...priority, "wrk", ...args, url], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (out += c.toString()));
    child.on("error", reject);
    child.on("close", () => {
      const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
      const errors = /Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1];
      if (!rps || (errors && Number(errors) > rps * 0.01)) return reject(new Error(`wrk ${url} failed:\n${out}`));
      resolve({ rps, p50us: percentile(out, "50%"), p99us: percentile(out, "99%") });
    });
  });
}

function percentile(out: string, which: string): number {
  const match = new RegExp(`${which}\\s+([\\d.]+)(us|ms|s)`).exec(out);
  if (!match) return NaN;
  const factor = match[2] === "us" ? 1 : match[2] === "ms" ? 1000 : 1_000_000;
  return Number(match[1]) * factor;
}


/** Start a long-running program and wait until `port` accepts connections. */
async function spawnServer(command: string, args: string[], port: number, env: NodeJS.ProcessEnv = process.env): Promise<ChildProcess> {
  const child = spawn("nice", [...priority, command, ...args], { stdio: ["ignore", "ignore", "pipe"], env });
  let stderr = "";
  child.stderr?.on("data", (c: Buffer) => (stderr += c.toString()));
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${command} exited: ${stderr}`);
    const open = await new Promise<boolean>((resolve) => {
      const probe = createServer().once("error", () => resolve(true));
      probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(false)));
    });
    if (open) return child;
    if (Date.now() > deadline) throw new Error(`${command} did not listen on ${port}: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** User + system CPU of a process and its children (nginx's workers), in ms. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  const own = (Number(fields[11]) + Number(fields[12])) * 10; // utime + stime, in 10 ms ticks
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(" ").filter(Boolean).map(Number);
  return own + children.reduce((sum, child) => sum + cpuMs(child), 0);
}

/** Resident memory of a process and its children (podhost's workers), in MiB. */
function rssMiB(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(" ").filter(Boolean).map(Number);
  return Number(kb) / 1024 + children.reduce((sum, child) => sum + rssMiB(child), 0);
}

interface Ports {
  backend: number;
  nginxHttp: number;
  nginxHttps: number;
  nginxWideHttp: number;
  nginxWideHttps: number;
  caddyHttp: number;
  caddyHttps: number;
  podhostHttp: number;
  podhostHttps: number;
  singleHttp: number;
  singleHttps: number;
  floorHttp: number;
  floorHttps: number;
}

function nginxBackendConf(dir: string, port: number): string {
  return `worker_processes 1; daemon off; pid ${dir}/backend.pid; error_log ${dir}/backend-error.log warn;
events { worker_connections 4096; }
http { access_log off; client_body_temp_path ${dir}/b-body; proxy_temp_path ${dir}/b-proxy; fastcgi_temp_path ${dir}/b-fcgi; uwsgi_temp_path ${dir}/b-uwsgi; scgi_temp_path ${dir}/b-scgi;
  keepalive_requests 1000000;
  server { listen 127.0.0.1:${port}; root ${dir}/backend; location / { try_files /1k.txt =404; } } }
`;
}

function nginxProxyConf(dir: string, name: string, workers: number, httpPort: number, httpsPort: number, backend: number): string {
  return `worker_processes ${workers}; daemon off; pid ${dir}/${name}.pid; error_log ${dir}/${name}-error.log warn;
events { worker_connections 4096; }
http { access_log off; client_body_temp_path ${dir}/${name}-body; proxy_temp_path ${dir}/${name}-proxy; fastcgi_temp_path ${dir}/${name}-fcgi; uwsgi_temp_path ${dir}/${name}-uwsgi; scgi_temp_path ${dir}/${name}-scgi;
  keepalive_requests 1000000; sendfile on; etag on;
  upstream app { server 127.0.0.1:${backend}; keepalive 64; }
  server {
    listen 127.0.0.1:${httpPort}; listen 127.0.0.1:${httpsPort} ssl;
    ssl_certificate ${dir}/cert.pem; ssl_certificate_key ${dir}/key.pem; ssl_protocols TLSv1.2 TLSv1.3;
    root ${dir}/public; client_max_body_size 5m;
    location / { try_files $uri @app; }
    location /assets/ { expires max; add_header Cache-Control "public, immutable"; }
    location @app { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $remote_addr; proxy_set_header X-Real-IP $remote_addr; proxy_set_header X-Forwarded-Proto $scheme; }
  } }
`;
}

function caddyfile(dir: string, ports: Ports): string {
  // Caddy's `file` matcher also matches "/" (a directory), so static files are routed by path here.
  const site = `\troot * ${dir}/public\n\thandle /assets/* {\n\t\tfile_server\n\t}\n\thandle {\n\t\treverse_proxy 127.0.0.1:${ports.backend}\n\t}`;
  return `{\n\tadmin off\n\tauto_https off\n\tstorage file_system ${dir}/caddy\n\tlog {\n\t\tlevel ERROR\n\t}\n}\nhttp://127.0.0.1:${ports.caddyHttp} {\n${site}\n}\nhttps://127.0.0.1:${ports.caddyHttps} {\n\ttls ${dir}/cert.pem ${dir}/key.pem\n${site}\n}\n`;
}

/** The child: podhost's engine alone in its process (plus its workers), configured from the parent's JSON. */
async function runChild(configPath: string, workers: number, httpPort: number, httpsPort: number): Promise<void> {
  const { dir, ports } = JSON.parse(readFileSync(configPath, "utf8")) as { dir: string; ports: Ports };
  const pem = { key: readFileSync(join(dir, "key.pem"), "utf8"), cert: readFileSync(join(dir, "cert.pem"), "utf8") };
  const context = createSecureContext(pem);
  const config: ProxyConfig = {
    https: { port: httpsPort, host: "127.0.0.1" },
    http: { port: httpPort, host: "127.0.0.1", redirectToHttps: false },
    hosts: [{ names: ["127.0.0.1"], routes: [{ prefix: "", upstream: { host: "127.0.0.1", port: ports.backend }, staticRoot: join(dir, "public") }] }],
    passthrough: [],
    limits: { ...defaultLimits, maxConnections: 20_000 },
    workers,
  };
  await startProxy(config, {
    contextFor: () => context,
    defaultContext: () => context,
    http01Response: () => undefined,
    tlsAlpn01Context: () => undefined,
    onRenewed: () => () => {},
    pemFor: () => pem,
    defaultPem: () => pem,
    tlsAlpn01Pem: () => undefined,
  } as Parameters<typeof startProxy>[1]);
}

/**
 * The Node floor: the least any Node program can do per request here, with no proxying, no
 * parsing and no rules: answer every request head with a fixed response (50 KiB for /assets/,
 * else 1 KiB) over node:net and node:tls. It shows what part of a gap to nginx is Node's own.
 */
function runFloor(dir: string, httpPort: number, httpsPort: number): void {
  const answer = (size: number, close: boolean) => Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${size}\r\n${close ? "Connection: close\r\n" : ""}\r\n${"z".repeat(size)}`);
  const answers = { small: answer(1024, false), smallClose: answer(1024, true), big: answer(50 * 1024, false) };
  const serve = (socket: Socket) => {
    socket.setNoDelay(true);
    socket.on("error", () => socket.destroy());
    socket.on("data", (chunk: Buffer) => {
      const text = chunk.toString("latin1");
      if (!text.endsWith("\r\n\r\n")) return; // wrk sends each request in one piece
      if (text.includes("Connection: close")) return void socket.end(answers.smallClose);
      socket.write(text.startsWith("GET /assets/") ? answers.big : answers.small);
    });
  };
  createServer(serve).listen(httpPort, "127.0.0.1");
  createTlsServer({ key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")), ALPNProtocols: ["http/1.1"] }, serve).listen(httpsPort, "127.0.0.1");
}

/** Bundle the child and the proxy worker as the product build does (esbuild, one file each). */
async function bundlePodhost(dir: string): Promise<string> {
  const { build } = await import("esbuild");
  const common: import("esbuild").BuildOptions = {
    external: ["esbuild"],
    bundle: true,
    platform: "node",
    target: "node20",
    format: "esm",
    logLevel: "warning",
    banner: { js: "import { createRequire as __podhostRequire } from 'node:module'; const require = __podhostRequire(import.meta.url);" },
  };
  await build({ ...common, entryPoints: [fileURLToPath(import.meta.url)], outfile: join(dir, "bench-child.mjs") });
  await build({ ...common, entryPoints: [fileURLToPath(new URL("../main/proxy/worker-main.ts", import.meta.url))], outfile: join(dir, "proxy-worker.js") });
  return join(dir, "bench-child.mjs");
}

export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), "podhost-bench-"));
  chmodSync(dir, 0o755); // nginx workers run as an unprivileged user when started as root
  const children: ChildProcess[] = [];
  try {
    mkdirSync(join(dir, "backend"));
    mkdirSync(join(dir, "public", "assets"), { recursive: true });
    writeFileSync(join(dir, "backend", "1k.txt"), "x".repeat(1024));
    writeFileSync(join(dir, "public", "assets", "50k.js"), "y".repeat(50 * 1024));
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    writeFileSync(join(dir, "key.pem"), privateKey.export({ type: "pkcs8", format: "pem" }) as string);
    execFileSync("openssl", ["req", "-x509", "-new", "-key", join(dir, "key.pem"), "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-days", "2", "-out", join(dir, "cert.pem")], { stdio: "ignore" });
    const ports: Ports = { backend: 0, nginxHttp: 0, nginxHttps: 0, nginxWideHttp: 0, nginxWideHttps: 0, caddyHttp: 0, caddyHttps: 0, podhostHttp: 0, podhostHttps: 0, singleHttp: 0, singleHttps: 0, floorHttp: 0, floorHttps: 0 };
    for (const key of Object.keys(ports) as (keyof Ports)[]) ports[key] = await freePort();
    writeFileSync(join(dir, "backend.conf"), nginxBackendConf(dir, ports.backend));
    writeFileSync(join(dir, "nginx.conf"), nginxProxyConf(dir, "nginx", 1, ports.nginxHttp, ports.nginxHttps, ports.backend));
    writeFileSync(join(dir, "nginx-wide.conf"), nginxProxyConf(dir, "nginx-wide", podhostWorkers, ports.nginxWideHttp, ports.nginxWideHttps, ports.backend));
    writeFileSync(join(dir, "Caddyfile"), caddyfile(dir, ports));
    writeFileSync(join(dir, "podhost.json"), JSON.stringify({ dir, ports }));

    const backend = await spawnServer("nginx", ["-p", dir, "-c", join(dir, "backend.conf"), "-e", join(dir, "backend-error.log")], ports.backend);
    children.push(backend);
    const nginx = await spawnServer("nginx", ["-p", dir, "-c", join(dir, "nginx.conf"), "-e", join(dir, "nginx-error.log")], ports.nginxHttps);
    children.push(nginx);
    const nginxWide = await spawnServer("nginx", ["-p", dir, "-c", join(dir, "nginx-wide.conf"), "-e", join(dir, "nginx-wide-error.log")], ports.nginxWideHttps);
    children.push(nginxWide);
    const caddyEnv = { ...process.env, GOMAXPROCS: "1", XDG_DATA_HOME: join(dir, "xdg"), XDG_CONFIG_HOME: join(dir, "xdg"), HOME: dir };
    const caddy = await spawnServer("caddy", ["run", "--config", join(dir, "Caddyfile"), "--adapter", "caddyfile"], ports.caddyHttps, caddyEnv);
    children.push(caddy);
    const child = await bundlePodhost(dir);
    const podhostArgs = (workers: number, h: number, s: number) => [child, "--child", join(dir, "podhost.json"), String(workers), String(h), String(s)];
    const podhost = await spawnServer(process.execPath, podhostArgs(podhostWorkers, ports.podhostHttp, ports.podhostHttps), ports.podhostHttps);
    children.push(podhost);
    const single = await spawnServer(process.execPath, podhostArgs(1, ports.singleHttp, ports.singleHttps), ports.singleHttps);
    children.push(single);
    const floor = await spawnServer(process.execPath, [child, "--floor", dir, String(ports.floorHttp), String(ports.floorHttps)], ports.floorHttps);
    children.push(floor);

    const http = (port: number, path = "/") => `http://127.0.0.1:${port}${path}`;
    const https = (port: number, path = "/") => `https://127.0.0.1:${port}${path}`;
    const table: Record<string, Record<string, WrkFigures>> = {};
    const pids: Record<string, number> = { direct: backend.pid!, nginx: nginx.pid!, [wideNginx]: nginxWide.pid!, caddy: caddy.pid!, [podhostName]: podhost.pid!, "podhost 1p": single.pid!, [floorName]: floor.pid! };
    const measure = async (row: string, column: string, url: string, options?: Parameters<typeof wrk>[1]) => {
      const cpuBefore = cpuMs(pids[column]!);
      const figures = await wrk(url, options);
      figures.cpuUsPerRequest = ((cpuMs(pids[column]!) - cpuBefore) * 1000) / (figures.rps * (options?.duration ?? seconds));
      (table[row] ??= {})[column] = figures;
    };
    // Warm up every server on every path first: V8 compiles podhost's hot paths on first use.
    const columns = [
      ["nginx", ports.nginxHttp, ports.nginxHttps],
      [wideNginx, ports.nginxWideHttp, ports.nginxWideHttps],
      ["caddy", ports.caddyHttp, ports.caddyHttps],
      [podhostName, ports.podhostHttp, ports.podhostHttps],
      ["podhost 1p", ports.singleHttp, ports.singleHttps],
    ] as const;
    for (const [, h, s] of columns) {
      for (const url of [http(h), https(s), http(h, "/assets/50k.js")]) await wrk(url, { duration: 1 });
      // A new connection costs ~40 requests' work, so its path needs longer to reach V8's optimized
      // code (measured: 1.6 ms of CPU per connection after 1 s, 1.2 ms after 10 s); a pod runs for days.
      await wrk(https(s), { duration: 4, close: true });
    }
    await measure("HTTP keep-alive", "direct", http(ports.backend));
    // Row by row, so the servers compared in a row are measured seconds apart, not a minute
    // (the machine's load drifts).
    for (const [name, h] of columns) await measure("HTTP keep-alive", name, http(h));
    for (const [name, , s] of columns) await measure("HTTPS keep-alive", name, https(s));
    for (const [name, , s] of columns) await measure("new TLS connections", name, https(s), { close: true });
    for (const [name, h] of columns) await measure("static 50 KiB", name, http(h, "/assets/50k.js"));
    // The Node floor, next to the rows where podhost's gap is mostly Node's own.
    await wrk(https(ports.floorHttps), { duration: 1 });
    await wrk(https(ports.floorHttps), { duration: 4, close: true });
    await measure("HTTPS keep-alive", floorName, https(ports.floorHttps));
    await measure("new TLS connections", floorName, https(ports.floorHttps), { close: true });
    await measure("static 50 KiB", floorName, http(ports.floorHttp, "/assets/50k.js"));
    await measure("one connection", "direct", http(ports.backend), { connections: 1, threads: 1 });
    await measure("one connection", podhostName, http(ports.podhostHttp), { connections: 1, threads: 1 });
    await measure("one connection", "podhost 1p", http(ports.singleHttp), { connections: 1, threads: 1 });

    /**
     * Peak RSS of a podhost process tree while 1,000 keep-alive connections hammer it. This row's
     * p99 is the connections' first requests: Node 20's libuv accepts one connection per event-loop
     * turn (libuv#3696), so under full load the last of 1,000 new connections waits ~1 s to be accepted.
     */
    const peakRssUnderLoad = async (column: string, pid: number, port: number) => {
      let peak = rssMiB(pid);
      const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(pid))), 200);
      await measure("1,000 connections", column, http(port), { connections: 1000, threads: 2 });
      clearInterval(sampler);
      return peak;
    };
    const peakRss = await peakRssUnderLoad(podhostName, podhost.pid!, ports.podhostHttp);
    const singlePeakRss = await peakRssUnderLoad("podhost 1p", single.pid!, ports.singleHttp);

    console.log(`\nWorker processes: nginx 1 (the goals' yardstick), ${wideNginx} ${podhostWorkers}, caddy GOMAXPROCS=1, ${podhostName} ${podhostWorkers} (+ its primary), podhost 1p 1.`);
    printTable(table, peakRss, singlePeakRss);
    return results(table, singlePeakRss);
  } finally {
    for (const child of children) child.kill("SIGTERM");
    await Promise.all(children.map((child) => (child.exitCode === null ? new Promise((resolve) => child.once("exit", resolve)) : undefined)));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The goals are judged on podhost as it ships: one process (proxy.workers unset); the table shows the rest. */
function results(table: Record<string, Record<string, WrkFigures>>, peakRss: number): BenchResult[] {
  const shipped = "podhost 1p";
  const out: BenchResult[] = [];
  const goals: [string, number][] = [["HTTP keep-alive", 0.6], ["HTTPS keep-alive", 0.5], ["new TLS connections", 0.8], ["static 50 KiB", 0.6]];
  for (const [row, ratio] of goals) {
    const ours = table[row]![shipped]!;
    const nginx = table[row]!.nginx!;
    out.push({ name: `proxy ${row} throughput`, unit: "req/s", value: Math.round(ours.rps), yardstick: { name: "nginx", value: Math.round(nginx.rps) }, goal: `>= ${ratio}x nginx`, met: ours.rps >= ratio * nginx.rps });
    out.push({ name: `proxy ${row} p99`, unit: "us", value: Math.round(ours.p99us), yardstick: { name: "nginx", value: Math.round(nginx.p99us) }, goal: "<= 2x nginx", met: ours.p99us <= 2 * nginx.p99us });
  }
  for (const row of ["HTTPS keep-alive", "new TLS connections", "static 50 KiB"]) {
    const floor = table[row]![floorName]!;
    const nginx = table[row]!.nginx!;
    out.push({ name: `Node floor (fixed answer, no proxying) ${row}`, unit: "req/s", value: Math.round(floor.rps), yardstick: { name: "nginx", value: Math.round(nginx.rps) }, goal: "informational", met: true });
  }
  const one = table["one connection"]!;
  const added = one[shipped]!.p50us - one.direct!.p50us;
  out.push({ name: "proxy added latency at one connection (p50)", unit: "us", value: Math.round(added), yardstick: { name: "direct p50", value: Math.round(one.direct!.p50us) }, goal: "<= 150 us", met: added <= 150 });
  const peakMB = (peakRss * 1048576) / 1e6;
  out.push({ name: "proxy RSS under 1,000 keep-alive connections", unit: "MB", value: Math.round(peakMB), goal: "<= 150 MB", met: peakMB <= 150 });
  return out;
}

function printTable(table: Record<string, Record<string, WrkFigures>>, peakRss: number, singlePeakRss: number): void {
  for (const [row, columns] of Object.entries(table)) {
    const nginx = columns.nginx?.rps;
    const wide = columns[wideNginx]?.rps;
    console.log(`\n${row}`);
    for (const [name, f] of Object.entries(columns)) {
      const ratio = nginx ? ` (${(f.rps / nginx).toFixed(2)}x nginx${wide ? `, ${(f.rps / wide).toFixed(2)}x ${wideNginx}` : ""})` : "";
      const cpu = f.cpuUsPerRequest === undefined ? "" : `  cpu ${Math.round(f.cpuUsPerRequest)} us/req`;
      console.log(`  ${name.padEnd(10)} ${Math.round(f.rps).toString().padStart(7)} req/s  p50 ${Math.round(f.p50us)} us  p99 ${Math.round(f.p99us)} us${cpu}${ratio}`);
    }
  }
  console.log(`\npodhost peak RSS under 1,000 keep-alive connections: ${peakRss.toFixed(1)} MiB (primary + ${podhostWorkers} workers), ${singlePeakRss.toFixed(1)} MiB (one process)`);
}

if (process.argv[2] === "--child") {
  await runChild(process.argv[3]!, Number(process.argv[4]), Number(process.argv[5]), Number(process.argv[6]));
} else if (process.argv[2] === "--floor") {
  runFloor(process.argv[3]!, Number(process.argv[4]), Number(process.argv[5]));
} else if (import.meta.url === `file://${process.argv[1]}`) {
  const figures = await run();
  for (const r of figures) console.log(`${r.met ? "met " : "MISS"} ${r.name}: ${r.value} ${r.unit}${r.yardstick ? ` (${r.yardstick.name} ${r.yardstick.value})` : ""}, goal ${r.goal}`);
}
