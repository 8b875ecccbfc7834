import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { requireTool } from "../helpers/tools";

export interface TestCertificate {
  /** The root, for NODE_EXTRA_CA_CERTS: the "publicly trusted" CA of a test. */
  caFile: string;
  certFile: string;
  keyFile: string;
}

/** A throwaway root and a leaf for `name`, made with openssl (as pebble's listener certificate is). */
export function makeTestCertificate(dir: string, name: string): TestCertificate {
  const openssl = requireTool("openssl");
  const file = (base: string) => join(dir, base);
  const run = (args: string[]) => execFileSync(openssl, args, { stdio: "ignore" });
  run(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", file("root-key.pem"), "-out", file("root.pem"), "-days", "2", "-subj", "/CN=podhost test root"]);
  run(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", file("leaf-key.pem"), "-out", file("leaf.csr"), "-subj", `/CN=${name}`]);
  writeFileSync(file("leaf.cnf"), `subjectAltName=DNS:${name}\nextendedKeyUsage=serverAuth\n`);
  run(["x509", "-req", "-in", file("leaf.csr"), "-CA", file("root.pem"), "-CAkey", file("root-key.pem"), "-CAcreateserial", "-days", "2", "-extfile", file("leaf.cnf"), "-out", file("leaf.pem")]);
  return { caFile: file("root.pem"), certFile: file("leaf.pem"), keyFile: file("leaf-key.pem") };
}
