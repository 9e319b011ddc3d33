/**
 * Accuracy of the difference-area detector on the seeded synthetic evaluation set
 * (scripts/eval/pairs.ts), next to a pixelmatch baseline.
 *
 *   npx tsx scripts/eval.ts [--count N] [--seed S]
 *
 * N pairs per set (default 40; half 512², half 1024²). `--options '{"madK":5}'` overrides detector
 * options (DetectOptions) for tuning; `--verbose` lists the pairs where our detector erred. Prints per set and method: precision,
 * recall and F1 at IoU >= 0.5 (greedy one-to-one matching), mean IoU of the matched boxes, the
 * share of no-change pairs with zero boxes, and milliseconds per pair from encoded bytes
 * (decoding included). Generation time is not counted.
 */
import { parseArgs } from "node:util";
import { detectEncoded, type DetectOptions } from "../src/vision/detect.js";
import { baselineBoxes } from "./eval/baseline.js";
import { matchBoxes, summarise, type PairOutcome, type SetSummary } from "./eval/metrics.js";
import { EVAL_SETS, generatePair, type EvalPair, type EvalSetName } from "./eval/pairs.js";

const { values } = parseArgs({
  options: { count: { type: "string", default: "40" }, seed: { type: "string", default: "1" }, verbose: { type: "boolean", default: false }, options: { type: "string", default: "{}" } },
});
const count = Number(values.count);
const seed = Number(values.seed);
if (!Number.isInteger(count) || count < 1) throw new Error(`--count must be a positive integer, received ${values.count}`);
if (!Number.isFinite(seed)) throw new Error(`--seed must be a number, received ${values.seed}`);

const detectOptions = JSON.parse(values.options) as Partial<DetectOptions>;

type Method = (pair: EvalPair) => Promise<readonly { box: readonly [number, number, number, number] }[]>;
const methods: Record<string, Method> = {
  ours: async (pair) => (await detectEncoded(pair.bytesA, pair.bytesB, { ...detectOptions, sourceA: `${pair.id}/a`, sourceB: `${pair.id}/b` })).boxes,
  "pixelmatch 0.1 + CC": (pair) => baselineBoxes(pair.bytesA, pair.bytesB),
};

const rows: { set: EvalSetName; method: string; summary: SetSummary }[] = [];
const started = performance.now();
for (const set of EVAL_SETS) {
  const pairs: EvalPair[] = [];
  // Generate a few pairs at a time: libvips renders in its thread pool while we wait.
  for (let i = 0; i < count; i += 4) {
    const batch = Array.from({ length: Math.min(4, count - i) }, (_, k) => generatePair(set, i + k, seed));
    pairs.push(...(await Promise.all(batch)));
  }
  for (const [method, run] of Object.entries(methods)) {
    await run(pairs[0]!); // warm-up, not counted
    const outcomes: PairOutcome[] = [];
    const t0 = performance.now();
    for (const pair of pairs) {
      const boxes = await run(pair);
      const outcome = matchBoxes(boxes.map((b) => b.box), pair.truth);
      outcomes.push(outcome);
      if (values.verbose && method === "ours" && (outcome.truePositives !== outcome.truth || outcome.predicted !== outcome.truth)) {
        console.log(`${pair.id}: truth ${JSON.stringify(pair.truth)} got ${JSON.stringify(boxes)}`);
      }
    }
    rows.push({ set, method, summary: summarise(outcomes, performance.now() - t0) });
  }
}

const fmt = (v: number, digits = 3): string => (Number.isNaN(v) ? "-" : v.toFixed(digits));
console.log(`seed ${seed}, ${count} pairs per set, ${((performance.now() - started) / 1000).toFixed(1)} s in all`);
console.log("| set | method | precision | recall | F1 | mean IoU | zero-box share | ms/pair |");
console.log("|---|---|---|---|---|---|---|---|");
for (const { set, method, summary: s } of rows) {
  // With no truth boxes in a set, precision, recall and F1 say nothing the zero-box share does not.
  const [p, r, f] = Number.isNaN(s.zeroBoxShare) ? [fmt(s.precision), fmt(s.recall), fmt(s.f1)] : ["-", "-", "-"];
  console.log(`| ${set} | ${method} | ${p} | ${r} | ${f} | ${fmt(s.meanIou)} | ${fmt(s.zeroBoxShare, 2)} | ${fmt(s.msPerPair, 1)} |`);
}
