import { describe, expect, it } from "vitest";
import { notificationsFor } from "../../main/electron/notifications";
import type { StatusSnapshot } from "../../shared/status";
import type { DnsStatus } from "../../shared/dns";
import { snapshotWith } from "../helpers/snapshot";

/** A running pod whose name is published: each case changes one service. */
const snapshot = (overrides: Partial<StatusSnapshot> = {}) => snapshotWith({ dns: { state: "published", message: "ok", history: [] }, ...overrides });

const published = (update: DnsStatus["lastUpdate"]): Partial<StatusSnapshot> => ({ dns: { state: "published", message: "ok", name: "pod.example.org", history: [], ...(update ? { lastUpdate: update } : {}) } });

describe("tray notifications", () => {
  it("says nothing on the first snapshot or when nothing changed", () => {
    expect(notificationsFor(undefined, snapshot())).toEqual([]);
    expect(notificationsFor(snapshot(), snapshot())).toEqual([]);
  });

  it("tells when the pod crashed, once", () => {
    const crashed = snapshot({ pod: { state: "crashed", message: "The pod keeps crashing.", processes: [] } });
    expect(notificationsFor(snapshot(), crashed)).toEqual([{ title: "Your pod stopped", body: "The pod keeps crashing." }]);
    expect(notificationsFor(crashed, crashed)).toEqual([]);
  });

  it("warns when the certificate is about to expire because renewal keeps failing", () => {
    const expiring = snapshot({ certs: { state: "expiring", message: "The certificate expires in 12 days." } });
    expect(notificationsFor(snapshot(), expiring)).toEqual([{ title: "The pod's certificate expires soon", body: "The certificate expires in 12 days." }]);
  });

  it("announces a changed home address, and not a refresh of the same one", () => {
    const base = { at: 1, outcome: "accepted" as const, message: "", next: "" };
    const changed = notificationsFor(snapshot(published(undefined)), snapshot(published({ ...base, sent: { ipv4: "198.51.100.7" }, previous: { ipv4: "198.51.100.4" } })));
    expect(changed).toEqual([{ title: "Your home address changed", body: "pod.example.org now points to 198.51.100.7 (was 198.51.100.4)." }]);
    expect(notificationsFor(snapshot(published(undefined)), snapshot(published({ ...base, sent: { ipv4: "198.51.100.7" } })))).toEqual([]);
  });

  it("tells when dynamic DNS stopped on a fatal reply", () => {
    const stopped = snapshot({ dns: { state: "failed", message: "Updates are stopped: the provider refused the token.", history: [] } });
    expect(notificationsFor(snapshot(), stopped)[0]?.title).toBe("Dynamic DNS stopped");
  });
});
