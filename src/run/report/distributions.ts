/** The report's numbers: the funnel from the ledger, and histograms and tallies of the dataset. */
import type { LedgerCounts } from "../ledger.js";
import type { Bar, FunnelStep } from "./svg-charts.js";
import type { GalleryItem } from "./report-data.js";

/** generated -> minus each filter reason (largest first) -> minus failures -> accepted. */
export function funnelSteps(counts: LedgerCounts, reasons: Readonly<Record<string, number>>): FunnelStep[] {
  const generated = counts.done + counts.filtered + counts.failed;
  const steps: FunnelStep[] = [{ label: "generated", remaining: generated, removed: 0, kind: "start" }];
  let left = generated;
  for (const [reason, n] of Object.entries(reasons).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) {
    left -= n;
    steps.push({ label: `filtered: ${reason}`, remaining: left, removed: n, kind: "filter" });
  }
  if (counts.failed > 0) {
    left -= counts.failed;
    steps.push({ label: "failed", remaining: left, removed: counts.failed, kind: "failed" });
  }
  steps.push({ label: "accepted", remaining: counts.done, removed: 0, kind: "end" });
  return steps;
}

/** A histogram filled one value at a time: counts in [edges[i], edges[i+1]); the last bin takes everything above. */
export function createHistogram(edges: readonly number[], label: (lo: number, hi: number | null) => string): { add(value: number): void; bars(): Bar[] } {
  const counts = edges.map(() => 0);
  return {
    add(v) {
      let i = edges.length - 1;
      while (i > 0 && v < edges[i]!) i--;
      counts[i]!++;
    },
    bars: () => edges.map((lo, i) => ({ label: label(lo, edges[i + 1] ?? null), value: counts[i]! })),
  };
}

export function histogram(values: readonly number[], edges: readonly number[], label: (lo: number, hi: number | null) => string): Bar[] {
  const h = createHistogram(edges, label);
  for (const v of values) h.add(v);
  return h.bars();
}

/** A tally filled one value at a time; bars() gives the most frequent first, the rest summed into "other" past `limit`. */
export function createTally(): { add(value: string): void; bars(limit?: number): Bar[] } {
  const counts = new Map<string, number>();
  return {
    add: (v) => void counts.set(v, (counts.get(v) ?? 0) + 1),
    bars(limit = 12) {
      const sorted = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
      const bars = sorted.slice(0, limit).map(([label, value]) => ({ label, value }));
      const rest = sorted.slice(limit).reduce((a, [, n]) => a + n, 0);
      return rest > 0 ? [...bars, { label: `other (${sorted.length - limit})`, value: rest, other: true }] : bars;
    },
  };
}

export function tally(values: readonly string[], limit = 12): Bar[] {
  const t = createTally();
  for (const v of values) t.add(v);
  return t.bars(limit);
}

export interface DatasetCharts {
  readonly boxesPerSample: Bar[];
  readonly boxAreas: Bar[];
  readonly categories: Bar[];
  readonly replacements: Bar[];
  readonly captionWords: Bar[];
  readonly answerWords: Bar[];
}

/**
 * The dataset's distributions, gathered item by item as the report streams metadata.jsonl: only
 * the boxes per sample keep one number per sample, the rest are fixed-size bins and tallies.
 */
export function createDatasetStats(): { add(item: GalleryItem): void; readonly samples: () => number; charts(): DatasetCharts } {
  const perSample = new Map<number, number>();
  const areas = createHistogram([0, 0.5, 1, 2, 4, 8, 16, 32], (lo, hi) => (hi === null ? `${lo}%+` : `${lo}–${hi}%`));
  const words = () => createHistogram([0, 5, 10, 15, 20, 25, 30, 40, 50], (lo, hi) => (hi === null ? `${lo}+` : `${lo}–${hi - 1}`));
  const captionWords = words();
  const answerWords = words();
  const categories = createTally();
  const replacements = createTally();
  const wordCount = (text: string) => text.split(/\s+/).filter(Boolean).length;
  return {
    add(item) {
      perSample.set(item.sampleIndex, (perSample.get(item.sampleIndex) ?? 0) + item.boxes.length);
      for (const [x1, y1, x2, y2] of item.boxes) areas.add(Math.max(0, x2! - x1!) * Math.max(0, y2! - y1!) * 100);
      categories.add(item.category || "(none)");
      if (item.kind === "replace" && item.target !== null) replacements.add(`${item.source} → ${item.target}`);
      captionWords.add(wordCount(item.caption1));
      captionWords.add(wordCount(item.caption2));
      answerWords.add(wordCount(item.answer));
    },
    samples: () => perSample.size,
    charts() {
      const values = [...perSample.values()];
      // A loop, not Math.max(...values): a spread of a million arguments overflows the stack.
      let max = 5;
      for (const v of values) if (v > max) max = v;
      return {
        boxesPerSample: histogram(values, Array.from({ length: Math.min(max, 10) }, (_, i) => i + 1), (lo, hi) => (hi === null && lo < max ? `${lo}+` : String(lo))),
        boxAreas: areas.bars(),
        categories: categories.bars(),
        replacements: replacements.bars(),
        captionWords: captionWords.bars(),
        answerWords: answerWords.bars(),
      };
    },
  };
}
