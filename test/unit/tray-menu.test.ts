import { describe, expect, it } from "vitest";
import { trayModel, type TrayMenuItem } from "../../main/electron/menu";
import type { StatusSnapshot } from "../../shared/status";

function snapshot(podState: StatusSnapshot["pod"]["state"], overrides: Partial<StatusSnapshot> = {}): StatusSnapshot {
  return {
    daemon: { version: "0.1.0", pid: 1, startedAt: 0, dataDir: "/tmp/x", notices: [] },
    pod: { state: podState, message: `pod ${podState}`, processes: [] },
    proxy: { state: "running", message: "ok" },
    certs: { state: "valid", message: "ok" },
    ports: { state: "off", message: "off" },
    dns: { state: "off", message: "off" },
    ...overrides,
  } as StatusSnapshot;
}

const item = (items: TrayMenuItem[], label: string) => items.find((entry) => entry.type !== "separator" && entry.label === label);
const glance = (items: TrayMenuItem[]) => items.filter((entry) => entry.type === "info").map((entry) => (entry as { label: string }).label);

describe("tray menu model", () => {
  it("offers Start pod (and not Stop) when the pod is stopped", () => {
    const model = trayModel(snapshot("stopped"), { podUrl: undefined, autostart: false });
    expect(model.icon).toBe("stopped");
    expect(item(model.items, "Start pod")).toMatchObject({ enabled: true });
    expect(item(model.items, "Stop pod")).toMatchObject({ enabled: false });
    expect(item(model.items, "Open my pod")).toMatchObject({ enabled: false });
  });

  it("offers Stop, Restart and Open my pod when the pod runs", () => {
    const model = trayModel(snapshot("running"), { podUrl: "https://pod.example.org/", autostart: false });
    expect(model.icon).toBe("running");
    expect(model.tooltip).toBe("podhost: pod running");
    expect(item(model.items, "Stop pod")).toMatchObject({ enabled: true });
    expect(item(model.items, "Restart pod")).toMatchObject({ enabled: true });
    expect(item(model.items, "Open my pod")).toMatchObject({ enabled: true });
  });

  it("shows failing with the reason when the pod crashed, and lets the user start it again", () => {
    const model = trayModel(snapshot("crashed"), { podUrl: undefined, autostart: false });
    expect(model.icon).toBe("failing");
    expect(model.tooltip).toContain("pod crashed");
    expect(item(model.items, "Start pod")).toMatchObject({ enabled: true });
  });

  it("shows failing when the pod runs but a service in front of it failed", () => {
    const model = trayModel(snapshot("running", { certs: { state: "failed", message: "Port 80 is not reachable." } }), { podUrl: undefined, autostart: false });
    expect(model.icon).toBe("failing");
    expect(model.tooltip).toContain("Port 80 is not reachable.");
  });

  it("reflects Start at login as a checkbox, and always offers Open podhost and Quit", () => {
    const model = trayModel(snapshot("stopped"), { podUrl: undefined, autostart: true });
    expect(item(model.items, "Start at login")).toMatchObject({ type: "checkbox", checked: true });
    expect(item(model.items, "Open podhost")).toMatchObject({ enabled: true });
    expect(item(model.items, "Quit podhost")).toMatchObject({ enabled: true });
  });

  it("shows starting with only Quit usable before the daemon answers", () => {
    const model = trayModel(undefined, { podUrl: undefined, autostart: false });
    expect(model.icon).toBe("starting");
    expect(item(model.items, "Quit podhost")).toMatchObject({ enabled: true });
    expect(item(model.items, "Open podhost")).toMatchObject({ enabled: false });
  });

  it("shows at a glance the pod, its published name, the router's mapping and the certificate's expiry", () => {
    const model = trayModel(
      snapshot("running", {
        dns: { state: "published", message: "ok", name: "pod.example.org", published: { ipv4: "198.51.100.4" }, history: [] },
        ports: { state: "mapped", message: "ok", externalIp: "198.51.100.4", mappings: [{ purpose: "https", protocol: "TCP", externalPort: 443, internalClient: "192.168.1.20", internalPort: 8443, leaseSeconds: 3600 }] },
        certs: { state: "valid", message: "ok", certificate: { source: "acme", issuer: "R11", names: ["pod.example.org"], keyType: "ecdsa", notBefore: 0, notAfter: Date.UTC(2027, 1, 20) } },
      } as Partial<StatusSnapshot>),
      { podUrl: "https://pod.example.org/", autostart: false },
    );
    expect(glance(model.items)).toEqual(["Pod: running", "Name: pod.example.org → 198.51.100.4", "Router: port 443 → this PC 8443 (198.51.100.4)", "Certificate: valid until 2027-02-20"]);
  });

  it("keeps the glance short when nothing is set up", () => {
    expect(glance(trayModel(snapshot("not-configured"), { podUrl: undefined, autostart: false }).items)).toEqual(["Pod: not configured"]);
  });
});
