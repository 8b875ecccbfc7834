/**
 * Known secret shapes in pod output: credentials in URLs (redis://:pw@, postgres://u:pw@),
 * `password=`/`token:`-style pairs, Authorization headers, Rails' secret_key_base and PEM keys.
 */
const patterns: Array<[RegExp, string]> = [
  // A scheme starts only where a run of scheme characters starts, and is at most 32 long: tried at
  // every position of a long line without spaces, the open-ended form took quadratic time (0.7 s
  // for 20,000 characters, on the event loop that serves the proxy).
  [/(?<![a-z0-9+.-])([a-z][a-z0-9+.-]{0,31}:\/\/[^:/@\s]*:)[^@\s/]+@/gi, "$1[redacted]@"],
  [/(authorization["']?\s*[:=]\s*["']?(?:bearer|basic|token)\s+)[^\s"',]+/gi, "$1[redacted]"],
  [/((?:password|passwd|pwd|secret|secret_key_base|token|api_?key|access_?key)["']?\s*[:=]>?\s*["']?)[^\s"'&,;}]+/gi, "$1[redacted]"],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g, "[redacted private key]"],
];

export function redactSecrets(text: string): string {
  let out = text;
  for (const [pattern, replacement] of patterns) out = out.replace(pattern, replacement);
  return out;
}
