import { dnsProviderInfo, dnsProviders, type DnsField, type DnsProviderId } from "../../shared/dns";
import type { FieldLook, FormValues } from "./sections";

/**
 * Settings > Domain & DNS follows the chosen provider: only its fields, in its order, with its
 * words; what most people never touch (own update server, echo URL, IPv6) folds under Advanced.
 */
const providerLabels: Record<string, string> = Object.fromEntries(dnsProviders.map((p) => [p, p === "none" ? "Off" : dnsProviderInfo[p].label]));

const advancedKeys = ["dns.server", "dns.ipEchoUrl", "dns.ipv6", "dns.tsigAlgorithm"];

function providerOf(values: FormValues): DnsProviderId {
  const provider = values("dns.provider");
  return (dnsProviders as readonly unknown[]).includes(provider) ? (provider as DnsProviderId) : "none";
}

function providerFields(provider: DnsProviderId) {
  return provider === "none" ? [] : dnsProviderInfo[provider].fields;
}

const fieldOfKey = (key: string): DnsField | undefined => (key.startsWith("dns.") ? (key.slice(4) as DnsField) : undefined);

/** Which group a dns.* key is in now: the provider's own fields, Advanced, or neither (hidden). */
export function dnsGroup(key: string, values: FormValues): "main" | "advanced" | undefined {
  if (!key.startsWith("dns.")) return undefined;
  if (key === "dns.provider") return "main";
  const provider = providerOf(values);
  if (providerFields(provider).some((f) => f.field === fieldOfKey(key))) return "main";
  return advancedKeys.includes(key) ? "advanced" : "main";
}

export function dnsFieldLook(key: string, values: FormValues): FieldLook | undefined {
  if (key === "dns.provider") return { optionLabels: providerLabels, order: 0 };
  if (!key.startsWith("dns.")) return undefined;
  const provider = providerOf(values);
  if (provider === "none") return { hidden: true };
  const info = dnsProviderInfo[provider];
  const index = info.fields.findIndex((f) => f.field === fieldOfKey(key));
  const placeholder = key === "dns.server" && info.defaultServer ? { placeholder: info.defaultServer } : {};
  if (index >= 0) return { label: info.fields[index]!.label, order: index + 1, ...placeholder };
  if (key === "dns.server") return { label: "Update server (empty: the provider's own)", ...placeholder };
  if (key === "dns.tsigAlgorithm") return { hidden: provider !== "rfc2136" };
  if (key === "dns.ipv6") return info.ipv6 ? undefined : { hidden: true };
  return advancedKeys.includes(key) ? undefined : { hidden: true };
}
