/**
 * What the report shows, gathered from a run folder: the ledger (funnel, failures, run
 * parameters) and the dataset's metadata.jsonl (one line per output sample), streamed twice
 * (distributions first, then the gallery) so a run of any size fits in memory. A folder without
 * a ledger still gets a report of its dataset.
 */
import { createReadStream, existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { basename, join, relative } from "node:path";
import { ImgDiffError } from "../../errors.js";
import { resolveInside } from "../../dataset/safe-path.js";
import { METADATA_FILE } from "../../dataset/writer.js";
import { DatasetWriter } from "../../nodes/dataset-writer.js";
import { LEDGER_FILE, openLedgerReadOnly, type FailureCause, type LedgerCounts, type RunInfo } from "../ledger.js";
import { relativeUrl } from "./escape.js";
import { createDatasetStats, type DatasetCharts } from "./distributions.js";

export interface GalleryItem {
  readonly id: string;
  /** Relative URL of the side-by-side image with the boxes, or null if unusable. */
  readonly image: string | null;
  readonly kind: string;
  readonly category: string;
  readonly source: string;
  readonly target: string | null;
  readonly sampleIndex: number;
  readonly caption1: string;
  readonly caption2: string;
  readonly question: string;
  readonly answer: string;
  /** Normalised [x1, y1, x2, y2] boxes of image A. */
  readonly boxes: readonly (readonly number[])[];
  readonly scores: Readonly<Record<string, number>>;
}

export interface ReportData {
  readonly title: string;
  readonly generatedAt: string;
  readonly run: RunInfo | null;
  readonly counts: LedgerCounts | null;
  readonly reasons: Readonly<Record<string, number>>;
  readonly failures: readonly FailureCause[];
  /** The dataset's distributions, gathered in a first pass over its metadata. */
  readonly charts: DatasetCharts;
  /** Distinct samples among the items. */
  readonly samples: number;
  readonly itemCount: number;
  /** metadata.jsonl lines that could not be read. */
  readonly skippedLines: number;
  /** The gallery's items, read again from the dataset's metadata on each call (not held in memory). */
  items(): AsyncIterable<GalleryItem>;
}

export async function loadReportData(dir: string, now = new Date()): Promise<ReportData> {
  if (!existsSync(dir)) throw new ImgDiffError("RUN_NOT_FOUND", `no run folder at ${dir}`);
  const ledgerPath = join(dir, LEDGER_FILE);
  let run: RunInfo | null = null;
  let counts: LedgerCounts | null = null;
  let reasons: Record<string, number> = {};
  let failures: FailureCause[] = [];
  if (existsSync(ledgerPath)) {
    const ledger = openLedgerReadOnly(ledgerPath);
    try {
      run = ledger.info();
      counts = ledger.counts();
      reasons = ledger.reasons();
      failures = ledger.failures();
    } finally {
      ledger.close();
    }
  }
  const roots = datasetRoots(dir, run).filter((root) => existsSync(join(root, METADATA_FILE)));
  const lines = () => readItems(dir, roots);
  const stats = createDatasetStats();
  let itemCount = 0;
  let skippedLines = 0;
  for await (const item of lines()) {
    if (item === null) {
      skippedLines++;
      continue;
    }
    itemCount++;
    stats.add(item);
  }
  if (!run && itemCount === 0 && !existsSync(join(dir, METADATA_FILE))) {
    throw new ImgDiffError("RUN_NOT_FOUND", `${dir} holds neither a run ledger (${LEDGER_FILE}) nor a dataset (${METADATA_FILE}); expected a folder made by imgdiff run --out`);
  }
  return {
    title: basename(dir),
    generatedAt: now.toISOString(),
    run,
    counts,
    reasons,
    failures,
    charts: stats.charts(),
    samples: stats.samples(),
    itemCount,
    skippedLines,
    async *items() {
      for await (const item of lines()) if (item !== null) yield item;
    },
  };
}

/** Every line of the datasets' metadata.jsonl files as an item (null for a line that is not one), streamed. */
async function* readItems(dir: string, roots: readonly string[]): AsyncGenerator<GalleryItem | null> {
  for (const root of roots) {
    const prefix = relative(dir, root).split("\\").join("/");
    const lines = createInterface({ input: createReadStream(join(root, METADATA_FILE), "utf8"), crlfDelay: Infinity });
    for await (const line of lines) if (line.trim() !== "") yield toItem(line, prefix);
  }
}

/** The run folder, and the subfolders the workflow's dataset writers write to. */
function datasetRoots(dir: string, run: RunInfo | null): string[] {
  const roots = [dir];
  for (const node of Object.values(run?.workflow ?? {})) {
    const sub = node.class_type === DatasetWriter.type ? node.inputs["subfolder"] : undefined;
    if (typeof sub !== "string" || sub === "") continue;
    try {
      const root = resolveInside(dir, sub);
      if (!roots.includes(root)) roots.push(root);
    } catch {
      // a subfolder that leaves the run folder was refused by the run too
    }
  }
  return roots;
}

function toItem(line: string, prefix: string): GalleryItem | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const m = value as Record<string, unknown>;
  const str = (key: string) => (typeof m[key] === "string" ? (m[key] as string) : "");
  if (str("id") === "") return null;
  const file = str("file_name");
  const image = file ? relativeUrl(prefix ? `${prefix}/${file}` : file) : null;
  const bbox = Array.isArray(m["bbox"]) ? (m["bbox"] as unknown[]) : [];
  // One box [x1,y1,x2,y2], or a list of them.
  const boxes = (bbox.length === 4 && bbox.every((v) => typeof v === "number") ? [bbox] : bbox).filter(
    (b): b is number[] => Array.isArray(b) && b.length === 4 && b.every((v) => typeof v === "number" && Number.isFinite(v)),
  );
  const rawScores = typeof m["scores"] === "object" && m["scores"] !== null ? (m["scores"] as Record<string, unknown>) : {};
  const scores = Object.fromEntries(Object.entries(rawScores).filter((e): e is [string, number] => typeof e[1] === "number"));
  return {
    id: str("id"),
    image,
    kind: str("kind"),
    category: str("category"),
    source: str("source_object"),
    target: typeof m["target_object"] === "string" ? (m["target_object"] as string) : null,
    sampleIndex: typeof m["sample_index"] === "number" ? (m["sample_index"] as number) : -1,
    caption1: str("captions1"),
    caption2: str("captions2"),
    question: str("question"),
    answer: str("answer"),
    boxes,
    scores,
  };
}
