import * as z from "zod";

/** A TCP port a user may type. */
export const port = (what: string) =>
  z.number({ error: `${what} must be a whole number from 1 to 65535.` }).int(`${what} must be a whole number from 1 to 65535.`).min(1, `${what} must be from 1 to 65535.`).max(65535, `${what} must be from 1 to 65535.`);

const labelRe = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** Why `name` is not a DNS name, in words; undefined when it is one. */
export function hostnameProblem(name: string, what: string): string | undefined {
  if (/^[a-z]+:\/\//.test(name)) return `${what} is a name only, like pod.example.org: leave out "${/^[a-z]+:\/\//.exec(name)![0]}".`;
  if (name.includes("/")) return `${what} cannot have a path: diaspora* cannot live under a sub-path. Use a (sub)domain of its own, like pod.example.org.`;
  if (name.includes(":")) return `${what} cannot carry a port here; ports are set under Network.`;
  // eslint-disable-next-line no-control-regex
  if (/[^\x00-\x7f]/.test(name)) {
    const ascii = punycode(name);
    return ascii
      ? `${what} "${name}" has letters outside a-z, which DNS carries in their punycode form: enter ${ascii} instead (it is the same name).`
      : `${what} "${name}" has characters no DNS name can hold.`;
  }
  if (name.length > 253) return `${what} can be at most 253 characters long (this one has ${name.length}).`;
  if (name.includes("..") || name.startsWith(".")) return `${what} has an empty part between dots ("${name}").`;
  const bad = name.split(".").find((label) => !labelRe.test(label));
  if (bad !== undefined) {
    if (bad.length > 63) return `${what}: each part between dots can be at most 63 characters long ("${bad.slice(0, 20)}…" has ${bad.length}).`;
    return `${what} must be a DNS name like pod.example.org: letters a-z, digits and hyphens between the dots, no hyphen at either end of a part ("${bad}" is not).`;
  }
  return undefined;
}

/** The WHATWG URL parser: a global in Node and in browsers alike; shared/ declares only what it uses. */
declare const URL: new (input: string) => { hostname: string };

/** An internationalised name's ASCII (punycode) form, through the URL parser every JS runtime has. */
function punycode(name: string): string | undefined {
  try {
    return new URL(`http://${name}/`).hostname;
  } catch {
    return undefined;
  }
}

/**
 * A DNS name such as pod.example.org (lower-cased; no scheme, port or path). A trailing dot
 * (the fully qualified form, `pod.example.org.`) names the same host and is dropped.
 */
export const hostname = (what: string) =>
  z
    .string({ error: `${what} must be text: a name like pod.example.org.` })
    .trim()
    .toLowerCase()
    .overwrite((v) => (v.endsWith(".") && v.length > 1 ? v.slice(0, -1) : v))
    .superRefine((v, ctx) => {
      const problem = hostnameProblem(v, what);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    });

/** Empty means "not set yet". */
export const optionalHostname = (what: string) => z.union([z.literal(""), hostname(what)], { error: `${what} must be text: a name like pod.example.org, or empty.` });

/** Text a user may type, up to `max` characters (a path: 4096, a URL: 2048). */
export const text = (what: string, max: number) =>
  z.string({ error: `${what} must be text.` }).max(max, { error: (issue) => `${what} can be at most ${max} characters long (this one has ${String(issue.input).length}).` });

/** A list of at most `max` entries; `shape` says what one entry is, for the error. */
export const listOf = <T extends z.ZodType>(item: T, what: string, max: number, shape: string) =>
  z.array(item, { error: `${what} is a list of ${shape} (a JSON list, like [...]).` }).max(max, { error: (issue) => `${what} can hold at most ${max} entries (this one has ${(issue.input as unknown[]).length}).` });

/** NAME -> text, at most `max` entries (environment variables). */
export const textRecord = (what: string, max: number, valueMax: number) =>
  z
    .record(text(`${what} names`, 256), text(`${what} values`, valueMax), { error: `${what} is a JSON object of NAME: "text" pairs, like {"RAILS_ENV": "production"}.` })
    .refine((v) => Object.keys(v).length <= max, { error: (issue) => `${what} can hold at most ${max} entries (this one has ${Object.keys(issue.input as object).length}).` });
