import { fileURLToPath } from "node:url";
import { readFile } from "node:fs/promises";
import { ControlClient } from "../../main/cli/client";
import { spawnDaemonProcess } from "../../main/electron/daemon-keeper";
import { dataPaths } from "../../main/store/paths";
import { freePort } from "../helpers/ports";

export const cliPath = fileURLToPath(new URL("../../bin/podhost.js", import.meta.url));
const standIn = fileURLToPath(new URL("../fixtures/stand-in-pod/server.mjs", import.meta.url));

/** The tray's way of starting the daemon, with Node in place of Electron's binary. */
export const spawnDaemon = (dataDir: string) => () => spawnDaemonProcess({ execPath: process.execPath, cliPath, dataDir });

/** Settings for the stand-in pod behind podhost's proxy, on free ports. */
export async function standInPod(): Promise<Record<string, unknown>> {
  const pod = await freePort();
  return {
    domain: "tray.example.org",
    "pod.profile": "custom",
    "pod.command": process.execPath,
    "pod.args": [standIn, "--port", String(pod)],
    "pod.port": pod,
    "pod.healthUrl": `http://127.0.0.1:${pod}/nodeinfo/2.1`,
    "proxy.httpsPort": await freePort(),
    "proxy.httpPort": await freePort(),
  };
}

/** Starts the pod through the API and returns its process id. */
export async function startPod(client: ControlClient): Promise<number> {
  const snapshot = await client.call("pod.start", {});
  const pid = snapshot.pod.processes?.[0]?.pid;
  if (snapshot.pod.state !== "running" || pid === undefined) throw new Error(`the pod did not start: ${snapshot.pod.message}`);
  return pid;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function daemonLog(dataDir: string): Promise<string> {
  return readFile(`${dataPaths(dataDir).logs}/daemon.log`, "utf8");
}
