import { describe, expect, it } from "vitest";
import { UserError } from "../../shared/errors";
import { webServerKinds, webServerModes, type SnippetOptions, type WebServerKind } from "../../shared/webserver";
import { configPlace, type HostOs } from "../../main/webserver/locations";
import { defaultUpstreamScheme, generateSnippet } from "../../main/webserver/snippets/index";

/** What a user on Debian with podhost's default ports gets (no certificate paths given). */
function options(server: WebServerKind, overrides: Partial<SnippetOptions> = {}): SnippetOptions {
  return {
    mode: "vhost",
    domain: "pod.example.org",
    podhostHttpsPort: 8443,
    podhostHttpPort: 8080,
    upstreamScheme: defaultUpstreamScheme(server),
    prefix: "/pod",
    passthrough: false,
    listen: { http: 80, https: 443, ownHttpsPort: 4443 },
    ...overrides,
  };
}

const extension: Record<WebServerKind, string> = { nginx: "conf", apache: "conf", caddy: "Caddyfile", lighttpd: "conf" };

describe("snippets (reviewed as files in __snapshots__/)", () => {
  for (const server of webServerKinds) {
    for (const mode of webServerModes) {
      it(`${server}, ${mode}: matches the reviewed snippet`, async () => {
        const domain = mode === "subpath" ? "example.org" : "pod.example.org";
        await expect(generateSnippet(server, options(server, { mode, domain }), "debian").text).toMatchFileSnapshot(`./__snapshots__/${server}.${mode}.${extension[server]}`);
      });
    }
  }

  it("nginx, vhost with SNI passthrough: matches the reviewed stream block", async () => {
    await expect(generateSnippet("nginx", options("nginx", { passthrough: true }), "debian").text).toMatchFileSnapshot("./__snapshots__/nginx.passthrough.conf");
  });

  it("Caddy with the user's own certificate files uses them instead of automatic HTTPS", () => {
    const text = generateSnippet("caddy", options("caddy", { tls: { certificate: "/etc/ssl/pod.pem", key: "/etc/ssl/pod.key" } }), "debian").text;
    expect(text).toContain("tls /etc/ssl/pod.pem /etc/ssl/pod.key");
    expect(text).not.toContain("automatic HTTPS");
  });
});

describe("ways a server cannot do", () => {
  it.each([
    ["apache", "Apache cannot hand a TLS connection on by its name"],
    ["caddy", "Debian's caddy does not include it"],
    ["lighttpd", "lighttpd cannot choose a backend by the TLS name"],
  ] as const)("refuses SNI passthrough for %s and says why", (server, why) => {
    const attempt = () => generateSnippet(server, options(server, { passthrough: true }), "debian");
    expect(attempt).toThrow(UserError);
    expect(attempt).toThrow(why);
  });

  it("refuses an https upstream for lighttpd, whose proxy speaks plain HTTP only", () => {
    expect(() => generateSnippet("lighttpd", options("lighttpd", { upstreamScheme: "https" }), "debian")).toThrow("lighttpd's proxy speaks only plain HTTP");
  });
});

describe("where the snippet goes", () => {
  it("names the file and the enable steps for each server and OS", () => {
    const places: Record<string, unknown> = {};
    for (const os of ["debian", "fedora", "macos", "windows", "other"] as HostOs[]) {
      for (const server of webServerKinds) places[`${server} on ${os}`] = configPlace(server, "vhost", os, "pod.example.org");
    }
    places["nginx passthrough on debian"] = configPlace("nginx", "vhost", "debian", "pod.example.org", true);
    expect(places).toMatchSnapshot();
  });

  it("enables Apache's proxy, WebSocket, headers, TLS and rewrite modules on Debian", () => {
    expect(configPlace("apache", "vhost", "debian", "pod.example.org").enableSteps[0]).toBe("sudo a2enmod proxy proxy_http proxy_wstunnel headers ssl rewrite");
  });
});
