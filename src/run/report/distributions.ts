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

/** Counts of values falling in [edges[i], edges[i+1]); the last bin takes everything above. */
export function histogram(values: readonly number[], edges: readonly number[], label: (lo: number, hi: number | null) => string): Bar[] {
  const bins = edges.map((lo, i) => ({ label: label(lo, edges[i + 1] ?? null), value: 0 }));
  for (const v of values) {
    let i = edges.length - 1;
    while (i > 0 && v < edges[i]!) i--;
    bins[i]!.value++;
  }
  return bins;
}

/** Most frequent values first, the rest summed into "other" past `limit`. */
export function tally(values: readonly string[], limit = 12): Bar[] {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  const sorted = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const bars = sorted.slice(0, limit).map(([label, value]) => ({ label, value }));
  const rest = sorted.slice(limit).reduce((a, [, n]) => a + n, 0);
  return rest > 0 ? [...bars, { label: `other (${sorted.length - limit})`, value: rest, other: true }] : bars;
}

export function boxesPerSample(items: readonly GalleryItem[]): Bar[] {
  const perSample = new Map<number, number>();
  for (const item of items) perSample.set(item.sampleIndex, (perSample.get(item.sampleIndex) ?? 0) + item.boxes.length);
  const values = [...perSample.values()];
  const max = Math.max(5, ...values);
  return histogram(values, Array.from({ length: Math.min(max, 10) }, (_, i) => i + 1), (lo, hi) => (hi === null && lo < max ? `${lo}+` : String(lo)));
}

export function boxAreas(items: readonly GalleryItem[]): Bar[] {
  const areas = items.flatMap((item) => item.boxes.map(([x1, y1, x2, y2]) => Math.max(0, x2! - x1!) * Math.max(0, y2! - y1!) * 100));
  return histogram(areas, [0, 0.5, 1, 2, 4, 8, 16, 32], (lo, hi) => (hi === null ? `${lo}%+` : `${lo}–${hi}%`));
}

export function wordCounts(texts: readonly string[]): Bar[] {
  const words = texts.map((t) => t.split(/\s+/).filter(Boolean).length);
  return histogram(words, [0, 5, 10, 15, 20, 25, 30, 40, 50], (lo, hi) => (hi === null ? `${lo}+` : `${lo}–${hi - 1}`));
}
