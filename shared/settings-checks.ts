import type { Settings } from "./settings";

/** Let's Encrypt's limit on the names of one certificate; other public CAs allow about as many. */
export const maxCertificateNames = 100;

export interface SettingsProblem {
  /** The dotted key to point at: one the user just changed when there is one. */
  field: string;
  message: string;
}

/**
 * Rules about settings taken together, which no single field's schema can see: ports that would
 * clash, and a certificate with more names than a CA signs. `changed` (dotted keys just set)
 * decides which field of a clashing pair the error points at. `reserved` are ports podhost
 * itself holds outside the settings (the UI's loopback port), by what they are.
 */
export function settingsProblems(settings: Settings, changed: string[] = [], reserved: Record<string, number> = {}): SettingsProblem[] {
  return [...portClashes(settings, changed, reserved), ...certificateNameProblems(settings)];
}

function portClashes(settings: Settings, changed: string[], reserved: Record<string, number>): SettingsProblem[] {
  const wasChanged = (key: string) => changed.some((c) => c === key || key.startsWith(`${c}.`));
  // Ports podhost listens on on this PC; the router's external ports are a namespace of their own.
  const local: Array<[string, number]> = [
    ["proxy.httpsPort", settings.proxy.httpsPort],
    ["proxy.httpPort", settings.proxy.httpPort],
    ...(settings.pod.socketPath === "" ? [["pod.port", settings.pod.port] as [string, number]] : []),
    ...Object.entries(reserved),
  ];
  const external: Array<[string, number]> = settings.ports.mapHttp
    ? [
        ["ports.externalHttpsPort", settings.ports.externalHttpsPort],
        ["ports.externalHttpPort", settings.ports.externalHttpPort],
      ]
    : [];
  const problems: SettingsProblem[] = [];
  for (const group of [local, external]) {
    for (let i = 0; i < group.length; i++) {
      for (let j = i + 1; j < group.length; j++) {
        const [a, portA] = group[i]!;
        const [b, portB] = group[j]!;
        if (portA !== portB) continue;
        const [mine, other] = wasChanged(b) && !wasChanged(a) ? [b, a] : [a, b];
        const field = Object.hasOwn(reserved, mine) ? other : mine;
        problems.push({ field, message: `${mine} and ${other} are both ${portA}: each needs a port of its own. Choose another port for ${field}.` });
      }
    }
  }
  return problems;
}

function certificateNameProblems(settings: Settings): SettingsProblem[] {
  // What the certificate covers, counted as it will be: the domain, its aliases, and the extra names.
  const names = new Set([settings.domain, ...settings.proxy.aliases, ...settings.certs.aliases].filter(Boolean));
  if (names.size <= maxCertificateNames) return [];
  return [
    {
      field: "certs.aliases",
      message: `The certificate would cover ${names.size} names (the domain, proxy.aliases and certs.aliases together), but certificate authorities sign at most ${maxCertificateNames} names on one certificate (Let's Encrypt's limit). Remove ${names.size - maxCertificateNames} of them.`,
    },
  ];
}
