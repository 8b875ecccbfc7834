import { webServerNames } from "../../shared/webserver";
import type { FieldLook, FormValues } from "./sections";

/**
 * Settings > Network: the router (off by default, and saying plainly what turning it on
 * exposes) and "I already run a web server on this PC", whose choices appear once it is on.
 */
export function networkGroup(key: string): "router" | "advanced" | undefined {
  if (key === "ports.discoveryTimeoutMs") return "advanced";
  return key.startsWith("ports.") ? "router" : undefined;
}

export const modeWords: Record<string, { label: string; explanation: string }> = {
  vhost: {
    label: "Named virtual host (recommended for diaspora*)",
    explanation: "Your server forwards the pod's own name (like pod.example.org) to podhost; everything else it serves stays as it is.",
  },
  port: {
    label: "Separate port",
    explanation: "podhost answers on a port of its own and your server is untouched; the port then becomes part of the pod's address (https://name:PORT/).",
  },
  subpath: {
    label: "Sub-path (not for diaspora*)",
    explanation:
      "The pod lives under a prefix of your existing site (like /pod). diaspora* cannot work this way: other pods look for it at the root of its name (/.well-known/, /people/, /receive/), so choose a named virtual host for it.",
  },
};

const serverLabels: Record<string, string> = { auto: "The one already on ports 80/443 (press Detect)", ...webServerNames };

export function networkFieldLook(key: string, values: FormValues): FieldLook | undefined {
  switch (key) {
    case "ports.upnp":
      return {
        label: "Open ports on my router automatically",
        warning:
          "This opens the pod's HTTPS port on your router to the whole internet (and HTTP too when you also map it), so anyone can reach the pod from outside. Only the proxy's ports are opened; podhost's own controls never are.",
      };
    case "ports.externalHttpPort":
      return { hidden: values("ports.mapHttp") !== true };
    case "webserver.enabled":
      return { label: "I already run a web server on this PC" };
  }
  if (!key.startsWith("webserver.")) return undefined;
  if (values("webserver.enabled") !== true) return { hidden: true };
  const mode = String(values("webserver.mode"));
  switch (key) {
    case "webserver.server":
      return { label: "Your web server", optionLabels: serverLabels };
    case "webserver.mode":
      return { label: "Way to share this PC", optionLabels: Object.fromEntries(Object.entries(modeWords).map(([m, w]) => [m, w.label])), note: modeWords[mode]?.explanation };
    case "webserver.prefix":
      return { hidden: mode !== "subpath", label: "Path prefix" };
    case "webserver.passthrough":
      return { hidden: mode !== "vhost" || values("webserver.server") !== "nginx", label: "Pass TLS through to podhost (nginx only)" };
  }
  return undefined;
}
