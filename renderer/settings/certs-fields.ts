import { letsEncryptDirectory, letsEncryptStagingDirectory } from "../../shared/certs";
import type { FieldLook, FormValues } from "./sections";

/** Settings > Certificates: the ACME fields appear only for ACME, which says what choosing it agrees to. */
export const acmeTermsNote =
  "With ACME, podhost accepts the certificate authority's terms of service for you: the ACME client agrees to them when it creates your account. A publicly trusted certificate is what other diaspora* pods require before they talk to yours.";
const localNote = "Only devices that trust podhost's own CA accept this certificate (download it below). Other pods will not federate with it.";

const modeLabels: Record<string, string> = { local: "Local: podhost's own CA (home network, testing)", acme: "ACME: publicly trusted (Let's Encrypt)" };
const keyTypeLabels: Record<string, string> = { ecdsa: "ECDSA P-256 (recommended)", rsa: "RSA-2048 (only for very old clients)" };
const challengeLabels: Record<string, string> = {
  auto: "Automatic (tries each way in turn)",
  "http-01": "HTTP on port 80",
  "tls-alpn-01": "TLS on port 443 (when port 80 is blocked)",
  "dns-01": "DNS record (through your dynamic DNS provider)",
};

export function certsFieldLook(key: string, values: FormValues): FieldLook | undefined {
  const acme = values("certs.mode") === "acme";
  switch (key) {
    case "certs.mode":
      return { label: "Kind of certificate", optionLabels: modeLabels, note: acme ? acmeTermsNote : localNote };
    case "certs.keyType":
      return { label: "Key type", optionLabels: keyTypeLabels };
    case "certs.aliases":
      return { label: "Other names it covers (a JSON list)", placeholder: '["www.pod.example.org"]' };
  }
  if (!key.startsWith("certs.acme.")) return undefined;
  if (!acme) return { hidden: true };
  switch (key) {
    case "certs.acme.directoryUrl":
      return {
        label: "ACME directory URL",
        fill: [
          { label: "Let's Encrypt", value: letsEncryptDirectory },
          { label: "Let's Encrypt staging (for testing)", value: letsEncryptStagingDirectory },
        ],
      };
    case "certs.acme.email":
      return { label: "E-mail for expiry warnings (optional)" };
    case "certs.acme.challenge":
      return { label: "How the CA checks the domain is yours", optionLabels: challengeLabels };
  }
  return undefined;
}
