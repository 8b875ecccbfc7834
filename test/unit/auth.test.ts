import { describe, expect, it } from "vitest";
import { checkApiRequest, type RequestFacts } from "../../main/daemon/auth";

const token = "t".repeat(43);
const port = 7468;
const browser: RequestFacts = { transport: "tcp", method: "POST", host: `127.0.0.1:${port}`, origin: `http://127.0.0.1:${port}`, secFetchSite: "same-origin", authorization: undefined, cookie: `podhost_session=${token}` };

describe("control API door rules", () => {
  it("lets the UI in with the cookie of a session it opened, and never with the token itself as a cookie", () => {
    const session = "s".repeat(43);
    const isSession = (id: string) => id === session;
    expect(checkApiRequest({ ...browser, cookie: `podhost_session=${session}` }, port, token, true, isSession)).toEqual({ ok: true });
    expect(checkApiRequest(browser, port, token, true, isSession)).toMatchObject({ ok: false, status: 401 });
  });

  it("lets the CLI in with the bearer token and no Origin", () => {
    expect(checkApiRequest({ ...browser, origin: undefined, secFetchSite: undefined, cookie: undefined, authorization: `Bearer ${token}` }, port, token, true)).toEqual({ ok: true });
  });

  it("refuses a request without the token with 401", () => {
    expect(checkApiRequest({ ...browser, cookie: undefined }, port, token, false)).toMatchObject({ ok: false, status: 401 });
  });

  it("refuses a wrong token with 401", () => {
    expect(checkApiRequest({ ...browser, cookie: `podhost_session=${"x".repeat(43)}` }, port, token, false)).toMatchObject({ ok: false, status: 401 });
  });

  it("refuses a rebound DNS name (Host not loopback:port) with 403, even with the token", () => {
    expect(checkApiRequest({ ...browser, host: `evil.example:${port}` }, port, token, false)).toMatchObject({ ok: false, status: 403 });
    expect(checkApiRequest({ ...browser, host: "127.0.0.1:80" }, port, token, false)).toMatchObject({ ok: false, status: 403 });
  });

  it("refuses a state change from a foreign Origin with 403 (CSRF)", () => {
    expect(checkApiRequest({ ...browser, origin: "http://evil.example" }, port, token, true)).toMatchObject({ ok: false, status: 403 });
    expect(checkApiRequest({ ...browser, secFetchSite: "cross-site" }, port, token, true)).toMatchObject({ ok: false, status: 403 });
  });

  it("does not check Host on the local socket, but still needs the token", () => {
    const socket: RequestFacts = { ...browser, transport: "socket", host: "localhost", origin: undefined, cookie: undefined };
    expect(checkApiRequest({ ...socket, authorization: `Bearer ${token}` }, port, token, true)).toEqual({ ok: true });
    expect(checkApiRequest(socket, port, token, true)).toMatchObject({ ok: false, status: 401 });
  });
});
