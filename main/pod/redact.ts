/**
 * Known secret shapes in pod output: credentials in URLs (redis://:pw@, postgres://u:pw@),
 * `password=`/`token:`-style pairs, Authorization headers, Rails' secret_key_base and PEM keys.
 */
const patterns: Array<[RegExp, string]> = [
  [/([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)[^@\s/]+@/gi, "$1[redacted]@"],
  [/(authorization["']?\s*[:=]\s*["']?(?:bearer|basic|token)\s+)[^\s"',]+/gi, "$1[redacted]"],
  [/((?:password|passwd|pwd|secret|secret_key_base|token|api_?key|access_?key)["']?\s*[:=]>?\s*["']?)[^\s"'&,;}]+/gi, "$1[redacted]"],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g, "[redacted private key]"],
];

export function redactSecrets(text: string): string {
  let out = text;
  for (const [pattern, replacement] of patterns) out = out.replace(pattern, replacement);
  return out;
}
