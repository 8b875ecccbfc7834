import { useState } from "react";
import { dnsProviderInfo, type DnsField, type DnsProviderId } from "../../shared/dns";
import { call } from "../api";
import { StepFrame, fail } from "./StepFrame";
import { Choice, TextInput } from "./inputs";
import { dnsTestVerdict, domainForDdns, providerChoices, providerLabel } from "../../shared/setup";
import type { StepProps } from "./types";

type Provider = Exclude<DnsProviderId, "none">;
const secretFields: DnsField[] = ["password", "token"];

/** Step 3: the pod's name, the user's own or one kept updated by a dynamic DNS provider (tested before it stays on). */
export function NameStep({ view, save, next, back, carriedError }: StepProps) {
  const { settings, secrets } = view;
  const [kind, setKind] = useState<"own" | "ddns">(settings.dns.provider === "none" && settings.domain ? "own" : "ddns");
  const [domain, setDomain] = useState(settings.domain);
  const [provider, setProvider] = useState<Provider>(settings.dns.provider === "none" ? "duckdns" : settings.dns.provider);
  const [values, setValues] = useState<Record<DnsField, string>>({ name: settings.dns.name, server: settings.dns.server, username: settings.dns.username, password: "", token: "" });
  const [echoUrl, setEchoUrl] = useState(settings.dns.ipEchoUrl);
  const [waiting, setWaiting] = useState(false);
  const info = dnsProviderInfo[provider];
  const derivesDomain = provider === "duckdns";

  const ddnsChanges = (): Record<string, unknown> => {
    const changes: Record<string, unknown> = {};
    for (const { field, label } of info.fields) {
      const value = values[field].trim();
      const keep = secretFields.includes(field) && secrets[`dns.${field}`]?.set;
      if (!value && !keep && field !== "name") fail({ code: "dns-field", field: `dns.${field}`, message: `${label} is empty.`, fix: `Copy it from your ${info.label} account page.` });
      if (value || !secretFields.includes(field)) changes[`dns.${field}`] = value;
    }
    const name = derivesDomain ? domainForDdns(provider, values.name) : domain.trim().toLowerCase();
    if (!name) fail({ code: "no-domain", field: "domain", message: derivesDomain ? "The DuckDNS sub-domain is empty." : "The domain is empty.", fix: derivesDomain ? "Enter the sub-domain you made at duckdns.org, like mypod." : "Enter the name the provider keeps updated, like pod.example.org." });
    if (!info.fields.some((f) => f.field === "server")) changes["dns.server"] = values.server.trim();
    // The update server and the address source go in with the provider, so the first update already uses them.
    return { ...changes, "dns.ipEchoUrl": echoUrl.trim(), domain: name, "dns.provider": provider };
  };

  const onNext = async () => {
    if (kind === "own") {
      if (!domain.trim()) fail({ code: "no-domain", field: "domain", message: "The domain is empty.", fix: "Enter the name you made for the pod at your DNS host, like pod.example.org." });
      await save({ domain: domain.trim().toLowerCase(), "dns.provider": "none" });
      next();
      return;
    }
    const savedAt = Date.now();
    await save(ddnsChanges());
    let verdict: ReturnType<typeof dnsTestVerdict> = "wait";
    try {
      while (verdict === "wait") {
        if (Date.now() - savedAt > 2_000) setWaiting(true);
        verdict = dnsTestVerdict(await call("dns.update", { force: true }), await call("status.get", {}), savedAt);
        if (verdict === "wait") await new Promise((resolve) => setTimeout(resolve, 3_000));
      }
    } catch (error) {
      await save({ "dns.provider": "none" });
      throw error;
    } finally {
      setWaiting(false);
    }
    if (verdict !== "ok") {
      // Nothing half-done: a provider that refused stays off until the user tests again.
      await save({ "dns.provider": "none" });
      fail({ code: "dns-test-failed", message: verdict.failure, fix: "Check the name and the token or password at your provider, then press Test and continue again. Dynamic DNS stays off until the test passes." });
    }
    next();
  };

  return (
    <StepFrame
      step="name"
      why="Other pods and your users find the pod by its name; it must point at this connection, and for diaspora* it can never change after the first start."
      onBack={back}
      carriedError={carriedError}
      nextLabel={kind === "ddns" ? "Test and continue" : "Next"}
      busyLabel={kind !== "ddns" ? "Saving…" : waiting ? `${info.label} takes one update a minute: trying again shortly…` : `Sending this connection's address to ${info.label}…`}
      onNext={onNext}
    >
      <Choice
        legend="The name"
        name="name-kind"
        value={kind}
        onChange={setKind}
        options={[
          { value: "ddns", label: "A dynamic DNS name", hint: "A free name (like mypod.duckdns.org) that podhost keeps pointing at your home connection." },
          { value: "own", label: "My own domain", hint: "You already point a name (an A record) at this connection yourself." },
        ]}
      />
      {kind === "own" || !derivesDomain ? <TextInput name="domain" label="Domain" value={domain} onChange={setDomain} required placeholder="pod.example.org" /> : null}
      {kind === "ddns" ? (
        <>
          <div className="field">
            <label htmlFor="wizard-dns-provider" className="field-label">
              Provider (free ones first)
            </label>
            <select id="wizard-dns-provider" data-wizard-field="dns.provider" value={provider} onChange={(event) => setProvider(event.target.value as Provider)}>
              {providerChoices.map((p) => (
                <option key={p} value={p}>
                  {providerLabel(p)}
                </option>
              ))}
            </select>
          </div>
          {info.fields.map(({ field, label }) => {
            const secret = secretFields.includes(field);
            const set = secret && secrets[`dns.${field}`]?.set;
            return (
              <TextInput
                key={field}
                name={`dns.${field}`}
                label={label}
                type={secret ? "password" : "text"}
                value={values[field]}
                onChange={(value) => setValues({ ...values, [field]: value })}
                required={field !== "name" && !set}
                {...(set ? { hint: `Saved (${secrets[`dns.${field}`]?.hint ?? "hidden"}); leave empty to keep it.` } : {})}
              />
            );
          })}
          <details className="wizard-advanced">
            <summary>Advanced: update server and address source</summary>
            {info.fields.some((f) => f.field === "server") ? null : (
              <TextInput name="dns.server" label="Update server" value={values.server} onChange={(value) => setValues({ ...values, server: value })} placeholder={info.defaultServer ?? ""} hint="Empty: the provider's own server." />
            )}
            <TextInput name="dns.ipEchoUrl" label="Where to ask for this connection's public address" inputMode="url" value={echoUrl} onChange={setEchoUrl} hint="Empty: the router, else a short built-in list of HTTPS services." />
          </details>
        </>
      ) : null}
    </StepFrame>
  );
}
