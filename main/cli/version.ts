import { readFileSync } from "node:fs";

/** podhost's version, from package.json (one level above dist/ and main/). */
export function podhostVersion(): string {
  for (const candidate of ["../package.json", "../../package.json"]) {
    try {
      return (JSON.parse(readFileSync(new URL(candidate, import.meta.url), "utf8")) as { version: string }).version;
    } catch {
      // try the next layout (bundled dist/ or source main/cli/)
    }
  }
  return "0.0.0";
}
