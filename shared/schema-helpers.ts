import * as z from "zod";

/** A TCP port a user may type. */
export const port = (what: string) =>
  z.number({ error: `${what} must be a whole number from 1 to 65535.` }).int(`${what} must be a whole number from 1 to 65535.`).min(1, `${what} must be from 1 to 65535.`).max(65535, `${what} must be from 1 to 65535.`);

const hostnameRe = /^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*$/;

/** A DNS name such as pod.example.org (lower-cased; no scheme, port or path). */
export const hostname = (what: string) =>
  z
    .string()
    .trim()
    .toLowerCase()
    .refine((v) => !/^[a-z]+:\/\//.test(v), `${what} is a name only, like pod.example.org: leave out "https://".`)
    .refine((v) => !v.includes("/"), `${what} cannot have a path: diaspora* cannot live under a sub-path. Use a (sub)domain of its own, like pod.example.org.`)
    .refine((v) => !v.includes(":"), `${what} cannot carry a port here; ports are set under Network.`)
    .refine((v) => hostnameRe.test(v), `${what} must be a DNS name like pod.example.org (letters, digits, dots and hyphens).`);

/** Empty means "not set yet". */
export const optionalHostname = (what: string) => z.union([z.literal(""), hostname(what)]);
