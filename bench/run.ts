// `npm run bench`: every benchmark, each next to its yardstick measured in the same run.
// `npm run bench -- proxy certs` runs only those groups.
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { printResults } from "./report";
import type { BenchResult } from "./types";

const dir = fileURLToPath(new URL(".", import.meta.url));
const groups = readdirSync(dir)
  .filter((name) => name.endsWith(".ts") && !["run.ts", "types.ts", "report.ts"].includes(name))
  .map((name) => name.replace(/\.ts$/, ""));
const wanted = process.argv.slice(2);
let missed = 0;
for (const group of groups.filter((name) => wanted.length === 0 || wanted.includes(name))) {
  const module = (await import(`./${group}.ts`)) as { run: () => Promise<BenchResult[]> };
  const results = await module.run();
  printResults(group, results);
  missed += results.filter((result) => !result.met).length;
}
console.log(`\n${missed === 0 ? "All goals met." : `${missed} goal(s) missed (see MISS lines).`}`);
