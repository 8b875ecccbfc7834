import { describe, expect, it } from "vitest";
import { webServerSettings } from "../../shared/webserver";
import { describeDifference } from "../../main/webserver/check";
import type { Answer } from "../../main/webserver/fetch";

const answer = (status: number, body = "", headers: Answer["headers"] = {}): Answer => ({ status, body, headers });
const base = { label: "/.well-known/nodeinfo", exact: true, name: "Apache", rule: "ProxyPass line", side: "https" as const, podhostPort: 8443 };

describe("what the check says when an answer differs", () => {
  it("blames the connection to podhost for a 502", () => {
    expect(describeDifference({ ...base, through: answer(502), pod: answer(200, "{}") })).toBe(
      "/.well-known/nodeinfo through Apache returns 502: Apache cannot reach podhost on port 8443. Is podhost running, and does the snippet name port 8443?",
    );
  });

  it("asks for the visitor's Host header on a 421", () => {
    expect(describeDifference({ ...base, through: answer(421), pod: answer(200, "{}") })).toBe(
      "/.well-known/nodeinfo through Apache returns 421: podhost does not know the name Apache passed on. Apache must pass the visitor's Host header (the pod's name).",
    );
  });

  it("notices an answer that is not the pod's even with the same status", () => {
    expect(describeDifference({ ...base, through: answer(200, "<html>my site</html>"), pod: answer(200, "{}") })).toBe(
      "/.well-known/nodeinfo through Apache returns 200 like the pod, but with a different answer: something other than podhost answers it (another ProxyPass line in Apache catches it first?).",
    );
  });

  it("compares only status and redirect target for a page", () => {
    expect(describeDifference({ ...base, label: "/", exact: false, through: answer(200, "a"), pod: answer(200, "b") })).toBeUndefined();
    expect(describeDifference({ ...base, label: "/", exact: false, through: answer(301, "", { location: "https://pod.example.org/" }), pod: answer(301, "", { location: "https://pod.example.org/users/sign_in" }) })).toBe(
      "/ through Apache returns 301 like the pod, but redirects to https://pod.example.org/ instead of https://pod.example.org/users/sign_in.",
    );
  });

  it("says an untrusted certificate is refused by other pods too", () => {
    const error = Object.assign(new Error("self-signed certificate"), { code: "DEPTH_ZERO_SELF_SIGNED_CERT" });
    expect(describeDifference({ ...base, through: error, pod: answer(200, "{}") })).toBe(
      "/.well-known/nodeinfo through Apache fails: the certificate Apache sends is not trusted (self-signed certificate). Other pods refuse it too: use a Let's Encrypt certificate for the pod's name.",
    );
  });
});

describe("the webserver settings", () => {
  it("default to off, auto-detected server, named virtual host", () => {
    expect(webServerSettings.parse({})).toEqual({ enabled: false, server: "auto", mode: "vhost", prefix: "/pod", passthrough: false });
  });

  it("name the field and what is allowed", () => {
    expect(webServerSettings.safeParse({ mode: "cgi" }).error?.issues[0]?.message).toBe("webserver.mode must be one of: vhost, port, subpath.");
    expect(webServerSettings.safeParse({ prefix: "pod/" }).error?.issues[0]?.message).toBe("webserver.prefix must start with / and hold letters, digits, . _ ~ - (like /pod).");
  });
});
