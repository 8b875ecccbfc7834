/**
 * The proxy's differential fuzzer by hand: seeded mutations of the corpus through podhost and
 * nginx side by side (test/proxy/differential), with a report of every case that differs and
 * its bytes to replay. Exits 1 when a case differs.
 *
 *   npm run fuzz:proxy -- --seed 7 --count 50000 [--lanes 12] [--examples 3] [--corpus]
 */
import { parseArgs } from "node:util";
import { corpus } from "../test/proxy/differential/corpus";
import { createLlhttp } from "../test/proxy/differential/llhttp";
import { mutate } from "../test/proxy/differential/mutator";
import { startNginx, startPodhost, withRecorders } from "../test/proxy/differential/peers";
import { report, runDifferential } from "../test/proxy/differential/run";

const { values } = parseArgs({
  options: {
    seed: { type: "string", default: String(Date.now() % 1_000_000) },
    count: { type: "string", default: "20000" },
    lanes: { type: "string", default: "12" },
    examples: { type: "string", default: "3" },
    "max-failures": { type: "string", default: "1000" },
    corpus: { type: "boolean", default: false },
  },
});
const seed = Number(values.seed);
const count = Number(values.count);
const lanes = Number(values.lanes);
if (![seed, count, lanes].every(Number.isInteger) || count < 0 || lanes < 1) {
  console.error("Usage: npm run fuzz:proxy -- --seed <integer> --count <cases> [--lanes <parallel lanes>] [--examples <per kind>] [--corpus]");
  process.exit(2);
}

const cases = [...(values.corpus ? corpus : []), ...mutate(corpus, seed, count)];
console.log(`Running ${cases.length} cases (seed ${seed}) through podhost and nginx in ${lanes} lanes...`);
const [podhost, nginx] = await Promise.all([withRecorders("podhost", lanes, startPodhost), withRecorders("nginx", lanes, startNginx)]);
const started = Date.now();
try {
  const result = await runDifferential(cases, podhost, nginx, createLlhttp(), Number(values["max-failures"]));
  console.log(report(result, Number(values.examples), Number(values["max-failures"])));
  console.log(`\n${result.ran} cases in ${((Date.now() - started) / 1000).toFixed(1)} s; podhost deliberately stricter than nginx in ${[...result.stricter.values()].reduce((a, b) => a + b, 0)} (${[...result.stricter].map(([why, n]) => `${n}: ${why}`).join("; ") || "none"}).`);
  process.exitCode = result.failures.length ? 1 : 0;
} finally {
  await podhost.close();
  await nginx.close();
}
