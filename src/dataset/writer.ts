import { lstat, mkdir, readdir, readFile, stat, unlink } from "node:fs/promises";
import nodePath from "node:path";
import { z } from "zod";
import type { EditKind, ObjectEdit, RegionCaption } from "../captions/edit.js";
import { REPLACEMENT_QUESTION, removalQuestion } from "../captions/questions.js";
import { ImageError, ImgDiffError, OutputPathError } from "../errors.js";
import { createRng, type Rng } from "../util/rng.js";
import { drawRedBox, sideBySide as joinSideBySide } from "../vision/draw.js";
import type { RgbImage } from "../vision/image.js";
import { ensureOutputDir, openAtomicFile, writeFileAtomic, type AtomicFile } from "./atomic.js";
import { DEFAULT_JPEG_QUALITY, encodeImage, type ImageFormat } from "./encode.js";
import { writePngText } from "../graph/png-metadata.js";
import {
  answerLetter,
  LlavaRecordSchema,
  llavaRecord,
  MetadataLineSchema,
  metadataLine,
  RemovalRecordSchema,
  removalRecord,
  ReplacementRecordSchema,
  replacementRecord,
  sampleFiles,
  type LlavaRecord,
  type MetadataLine,
  type Side,
} from "./formats.js";
import { resolveInside, safeName } from "./safe-path.js";

/**
 * The dataset folder:
 *
 *   <root>/images/<id>_0.jpg, <id>_1.jpg   left / right image, each with the red box (Img-Diff)
 *   <root>/images/<id>.jpg                 both side by side with the 20-px bar (LLaVA, imagefolder)
 *   <root>/records/<index>.json            one file per accepted sample: every record of its outputs
 *   <root>/img_diff_object_replacement.json, img_diff_object_removal.json, llava.json,
 *   <root>/metadata.jsonl                  made by finalize() from records/
 *
 * A sample's record file is written last and atomically, so a sample is either complete or
 * absent: a crash leaves at most unreferenced images and hidden temp files, which finalize
 * ignores. finalize() can run any number of times (after a resumed run, say) and always
 * rebuilds the four index files from records/. Both release files are always written, empty
 * arrays included, so consumers find a stable set of files.
 *
 * metadata.jsonl is what `datasets.load_dataset("imagefolder", data_dir=root)` reads: one row
 * per output sample, `file_name` the side-by-side image and `left_file_name` / `right_file_name`
 * the two halves (recent `datasets` versions load every `*_file_name` column as an image and
 * take the rows from the metadata; old ones refuse image files without a row of their own).
 */

export interface DatasetWriterOptions {
  readonly root: string;
  /** Default "jpg", like the released data. */
  readonly imageFormat?: ImageFormat;
  /** Also save the side-by-side image (needed for llava.json). Default true. */
  readonly sideBySide?: boolean;
  /** JPEG quality, default 95. */
  readonly jpegQuality?: number;
  /**
   * Text chunks written into every PNG saved (as ComfyUI's SaveImage writes `prompt` and
   * `workflow`, so an image dropped on the editor opens the graph that made it). JPEGs carry none.
   */
  readonly pngText?: Readonly<Record<string, string>>;
}

export interface DatasetSample {
  /** Sample index in the run (>= 0); names the record file and, by default, the images. */
  readonly index: number;
  /**
   * Base name of the output ids instead of the padded index; must already be a safe file-name
   * component (safeName(id) === id). Outputs are `<id>_<k>`. The caller keeps it unique.
   */
  readonly id?: string;
  /**
   * "replace": image A (left) holds the source object, image B (right) the target.
   * "remove": image A holds the object, image B does not; the saved order is random.
   * May differ from edit.kind: a replace edit also yields the removal pair (A, background).
   */
  readonly kind: EditKind;
  readonly edit: ObjectEdit;
  readonly imageA: RgbImage;
  readonly imageB: RgbImage;
  /** One output sample per region, k = 0..n-1, boxes in pixels of image A. */
  readonly regions: readonly RegionCaption[];
  /** Chooses the removal side of each region (fork k). Default: derived from the index only. */
  readonly rng?: Rng;
  /** JSON values copied into every metadata.jsonl line of the sample (filter scores...). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

export interface WrittenOutput {
  readonly id: string;
  readonly regionIndex: number;
  /** Files written, relative to the root. */
  readonly files: readonly string[];
  /** Removal: the side holding the object; null for replacement. */
  readonly objectSide: Side | null;
}

export interface WrittenSample {
  readonly index: number;
  /** Relative to the root, e.g. "records/000042.json". */
  readonly recordFile: string;
  readonly outputs: readonly WrittenOutput[];
}

export interface SkippedRecord {
  /** Relative to the root. */
  readonly file: string;
  readonly reason: string;
}

export interface DatasetSummary {
  /** Sample records included. */
  readonly samples: number;
  /** Output samples (= metadata.jsonl lines). */
  readonly outputs: number;
  readonly replacement: number;
  readonly removal: number;
  readonly llava: number;
  /** Record files left out: unreadable, invalid, or pointing at missing images. */
  readonly skipped: readonly SkippedRecord[];
  /** Index files written, relative to the root. */
  readonly files: readonly string[];
}

export interface DatasetWriter {
  /** Absolute output folder. */
  readonly root: string;
  writeSample(sample: DatasetSample): Promise<WrittenSample>;
  /**
   * Rebuilds the dataset files from records/. `only`: the samples the run accepted (e.g. the
   * ledger's done samples); any other record is stale (a crash after the record was written, then
   * a redo that was filtered or failed) and is left out.
   */
  finalize(options?: { only?: ReadonlySet<number> }): Promise<DatasetSummary>;
}

export const RELEASE_REPLACEMENT_FILE = "img_diff_object_replacement.json";
export const RELEASE_REMOVAL_FILE = "img_diff_object_removal.json";
export const LLAVA_FILE = "llava.json";
export const METADATA_FILE = "metadata.jsonl";

/** Img-Diff's highlight (paper §4): box grown by 5 px, 3-px outline, 20-px bar. */
const HIGHLIGHT = { grow: 5, width: 3 } as const;
const BAR_WIDTH = 20;

const RECORD_FORMAT = "imgdiff-sample/1";
const RECORD_NAME = /^(\d+)\.json$/;

const outputBase = z.strictObject({
  id: z.string(),
  region_index: z.number().int().min(0),
  files: z.array(z.string().regex(/^images\/[^/]+$/)).min(2),
  llava: LlavaRecordSchema.nullable(),
  metadata: MetadataLineSchema,
});
const OutputEntrySchema = z.discriminatedUnion("kind", [
  outputBase.extend({ kind: z.literal("replace"), release: ReplacementRecordSchema }),
  outputBase.extend({ kind: z.literal("remove"), release: RemovalRecordSchema }),
]);
type OutputEntry = z.infer<typeof OutputEntrySchema>;

/** The per-sample file under records/. */
const SampleRecordSchema = z.strictObject({
  format: z.literal(RECORD_FORMAT),
  index: z.number().int().min(0),
  outputs: z.array(OutputEntrySchema).min(1),
});
type SampleRecord = z.infer<typeof SampleRecordSchema>;

const ExtraSchema = z.record(z.string(), z.json());

function padIndex(index: number): string {
  return String(index).padStart(6, "0");
}

function recordPath(index: number): string {
  return `records/${padIndex(index)}.json`;
}

/** Records read and checked at once while finalizing. */
const FINALIZE_BATCH = 64;

/** A JSON array with one record per line (valid JSON, readable, diffs line by line), written as it grows. */
function jsonArrayWriter(file: AtomicFile): { add(item: unknown): Promise<void>; end(): Promise<void> } {
  let first = true;
  return {
    async add(item) {
      await file.write(`${first ? "[\n" : ",\n"}${JSON.stringify(item)}`);
      first = false;
    },
    end: () => file.write(first ? "[]\n" : "\n]\n"),
  };
}

function checkSample(sample: DatasetSample): void {
  const where = `sample ${sample.index}`;
  if (!(Number.isSafeInteger(sample.index) && sample.index >= 0)) {
    throw new ImgDiffError("DATASET_BAD_INDEX", `dataset sample index must be an integer >= 0, received ${sample.index}`);
  }
  if (sample.kind !== "replace" && sample.kind !== "remove") {
    throw new ImgDiffError("DATASET_BAD_KIND", `${where}: kind must be "replace" or "remove", received ${JSON.stringify(sample.kind)}`);
  }
  const { imageA: a, imageB: b } = sample;
  if (a.width !== b.width || a.height !== b.height) {
    throw new ImageError("IMAGE_SIZE_MISMATCH", `${where} image B`, `expected the size of image A, ${a.width}x${a.height}, received ${b.width}x${b.height}`);
  }
  if (sample.regions.length === 0) {
    throw new ImgDiffError("DATASET_NO_REGIONS", `${where}: expected at least one region to write, received none`);
  }
  // Checked before anything is written or withdrawn, so a bad box cannot cost an earlier version.
  sample.regions.forEach(({ box }, k) => {
    const [x1, y1, x2, y2] = box;
    const valid = box.every(Number.isFinite) && x2 > x1 && y2 > y1 && x1 < a.width && y1 < a.height && x2 > 0 && y2 > 0;
    if (!valid) {
      throw new ImgDiffError("DATASET_BAD_BOX", `${where} region ${k}: expected a non-empty box overlapping the ${a.width}x${a.height} image, received [${box.join(", ")}]`);
    }
  });
  if (sample.id !== undefined && safeName(sample.id) !== sample.id) {
    throw new OutputPathError(
      "PATH_INVALID_NAME",
      `${where}: id ${JSON.stringify(sample.id.slice(0, 120))} is not a safe file name; use letters, digits, "-", "_" and "." (e.g. ${JSON.stringify(safeName(sample.id))})`,
    );
  }
  if (sample.extra !== undefined) {
    const parsed = ExtraSchema.safeParse(sample.extra);
    if (!parsed.success) {
      const key = parsed.error.issues[0]?.path.join(".") ?? "?";
      throw new ImgDiffError("DATASET_BAD_EXTRA", `${where}: extra field ${JSON.stringify(key)} is not a JSON value (finite numbers, strings, booleans, null, arrays, objects)`);
    }
  }
}

/** One output sample, ready to write: its records, and its images drawn on demand. */
interface PlannedOutput {
  readonly entry: OutputEntry;
  render(): { readonly path: string; readonly image: RgbImage }[];
}

type WriterSettings = Required<Omit<DatasetWriterOptions, "root" | "pngText">>;

function planOutput(sample: DatasetSample, k: number, options: WriterSettings, root: string): PlannedOutput {
  const region = sample.regions[k] as RegionCaption;
  const id = `${sample.id ?? padIndex(sample.index)}_${k}`;
  const files = sampleFiles(id, options.imageFormat);
  const size = { width: sample.imageA.width, height: sample.imageA.height };

  let objectSide: Side | null = null;
  if (sample.kind === "remove") {
    const rng = sample.rng ?? createRng("imgdiff.dataset", "removal-side", sample.index);
    objectSide = rng.fork(k).chance(0.5) ? "left" : "right";
  }

  const question = objectSide === null ? REPLACEMENT_QUESTION : removalQuestion(region.caption1);
  const answer = objectSide === null ? region.difference : answerLetter(objectSide);
  const paths = options.sideBySide ? [files.left, files.right, files.composite] : [files.left, files.right];
  // Resolve every path before anything is written: a bad name fails the sample, not half of it.
  for (const path of paths) resolveInside(root, path);
  const render = () => {
    const boxedA = drawRedBox(sample.imageA, region.box, HIGHLIGHT);
    const boxedB = drawRedBox(sample.imageB, region.box, HIGHLIGHT);
    const [left, right] = objectSide === "right" ? [boxedB, boxedA] : [boxedA, boxedB];
    const images = [
      { path: files.left, image: left },
      { path: files.right, image: right },
    ];
    if (options.sideBySide) images.push({ path: files.composite, image: joinSideBySide(left, right, BAR_WIDTH) });
    return images;
  };

  const metadata: MetadataLine = metadataLine({
    id,
    files,
    fileName: options.sideBySide ? files.composite : files.left,
    kind: sample.kind,
    edit: sample.edit,
    region,
    size,
    objectSide,
    question,
    answer,
    sampleIndex: sample.index,
    regionIndex: k,
    ...(sample.extra ? { extra: sample.extra } : {}),
  });
  const llava: LlavaRecord | null = options.sideBySide ? llavaRecord(id, files, question, answer) : null;
  const common = { id, region_index: k, files: paths, llava, metadata };
  const entry: OutputEntry =
    objectSide === null
      ? { ...common, kind: "replace", release: replacementRecord(files, region, size) }
      : { ...common, kind: "remove", release: removalRecord(files, region, size, objectSide) };
  return { entry, render };
}

async function readRecord(file: string): Promise<SampleRecord> {
  return SampleRecordSchema.parse(JSON.parse(await readFile(file, "utf8")));
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    (info) => info.isFile(),
    () => false,
  );
}

/** Create `<root>/<name>` as a real folder; a file or a symbolic link there is refused. */
async function ensureSubfolder(root: string, name: string): Promise<void> {
  const full = resolveInside(root, name);
  await mkdir(full).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== "EEXIST") throw error;
  });
  const info = await lstat(full);
  if (!info.isDirectory()) {
    throw new OutputPathError(
      "OUTPUT_NOT_A_DIRECTORY",
      `${JSON.stringify(full)} must be a folder of the dataset, but it is a ${info.isSymbolicLink() ? "symbolic link" : "file"}; remove it or choose another output folder`,
    );
  }
}

export function createDatasetWriter(options: DatasetWriterOptions): DatasetWriter {
  const settings = {
    imageFormat: options.imageFormat ?? "jpg",
    sideBySide: options.sideBySide ?? true,
    jpegQuality: options.jpegQuality ?? DEFAULT_JPEG_QUALITY,
  } as const;
  if (typeof options.root !== "string" || options.root === "") {
    throw new OutputPathError("OUTPUT_PATH_EMPTY", "the dataset output folder must be a non-empty path");
  }
  if (settings.imageFormat !== "jpg" && settings.imageFormat !== "png") {
    throw new ImgDiffError("DATASET_BAD_FORMAT", `image format must be "jpg" or "png", received ${JSON.stringify(settings.imageFormat)}`);
  }
  if (!(Number.isInteger(settings.jpegQuality) && settings.jpegQuality >= 1 && settings.jpegQuality <= 100)) {
    throw new ImgDiffError("DATASET_BAD_QUALITY", `JPEG quality must be an integer from 1 to 100, received ${settings.jpegQuality}`);
  }
  const root = resolveRootPath(options.root);

  let ready: Promise<void> | undefined;
  const prepare = (): Promise<void> => {
    ready ??= (async () => {
      await ensureOutputDir(root);
      await ensureSubfolder(root, "images");
      await ensureSubfolder(root, "records");
    })().catch((error: unknown) => {
      ready = undefined; // let a later call retry once the folder is fixed
      throw error;
    });
    return ready;
  };

  // Writes of the same index run one after the other; different indexes run in parallel.
  const queues = new Map<number, Promise<unknown>>();
  const serialised = <T>(index: number, task: () => Promise<T>): Promise<T> => {
    const run = (queues.get(index) ?? Promise.resolve()).then(task, task);
    const tail = run.catch(() => undefined);
    queues.set(index, tail);
    void tail.then(() => {
      if (queues.get(index) === tail) queues.delete(index);
    });
    return run;
  };

  const pngText = options.pngText && Object.keys(options.pngText).length > 0 ? options.pngText : undefined;
  const encode = async (image: RgbImage) => {
    const bytes = await encodeImage(image, settings.imageFormat, settings.jpegQuality);
    return settings.imageFormat === "png" && pngText ? writePngText(bytes, pngText) : bytes;
  };

  async function writeSample(sample: DatasetSample): Promise<WrittenSample> {
    checkSample(sample);
    const planned = sample.regions.map((_, k) => planOutput(sample, k, settings, root));
    const recordRel = recordPath(sample.index);
    const recordFull = resolveInside(root, recordRel);
    await prepare();
    return serialised(sample.index, async () => {
      // A rewrite first withdraws the old record, so a crash midway leaves the sample absent,
      // never an old record over new images.
      // The previous version only tells which images to clean up afterwards; when it is missing
      // or unreadable there is nothing we can safely delete, so it counts as absent.
      const previous = await readRecord(recordFull).catch(() => null);
      await unlink(recordFull).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== "ENOENT") throw error;
      });
      for (const output of planned) {
        const images = output.render();
        await Promise.all(images.map(async ({ path, image }) => writeFileAtomic(resolveInside(root, path), await encode(image))));
      }
      const record: SampleRecord = { format: RECORD_FORMAT, index: sample.index, outputs: planned.map((p) => p.entry) };
      await writeFileAtomic(recordFull, `${JSON.stringify(record, null, 1)}\n`, { syncFolder: true });
      const kept = new Set(record.outputs.flatMap((o) => o.files));
      const stale = previous?.outputs.flatMap((o) => o.files).filter((f) => !kept.has(f)) ?? [];
      for (const file of stale) await removeIfInside(root, file);
      return {
        index: sample.index,
        recordFile: recordRel,
        outputs: planned.map(({ entry }) => ({
          id: entry.id,
          regionIndex: entry.region_index,
          files: entry.files,
          objectSide: entry.kind === "remove" ? entry.release.answer_side : null,
        })),
      };
    });
  }

  /**
   * Streams: records are read a batch at a time in index order and each index file is appended
   * as they come, so memory does not grow with the run (only the id check keeps one entry per
   * output).
   */
  async function finalize(options: { only?: ReadonlySet<number> } = {}): Promise<DatasetSummary> {
    await prepare();
    const names = (await readdir(resolveInside(root, "records")))
      .map((name) => ({ name, index: Number(RECORD_NAME.exec(name)?.[1] ?? Number.NaN) }))
      .filter((r) => Number.isSafeInteger(r.index))
      .sort((a, b) => a.index - b.index);
    const skipped: SkippedRecord[] = [];
    const owners = new Map<string, number>();
    const counts = { samples: 0, outputs: 0, replacement: 0, removal: 0, llava: 0 };
    const files = [RELEASE_REPLACEMENT_FILE, RELEASE_REMOVAL_FILE, LLAVA_FILE, METADATA_FILE] as const;
    const opened: AtomicFile[] = [];
    try {
      for (const file of files) opened.push(await openAtomicFile(resolveInside(root, file)));
      const [replacement, removal, llava, metadata] = opened as [AtomicFile, AtomicFile, AtomicFile, AtomicFile];
      const arrays = [jsonArrayWriter(replacement), jsonArrayWriter(removal), jsonArrayWriter(llava)] as const;
      for (let at = 0; at < names.length; at += FINALIZE_BATCH) {
        const batch = await Promise.all(names.slice(at, at + FINALIZE_BATCH).map(({ name, index }) => checkedRecord(name, index, options.only)));
        for (const checked of batch) {
          if ("skip" in checked) {
            skipped.push(checked.skip);
            continue;
          }
          const { record } = checked;
          claimIds(owners, record);
          counts.samples++;
          for (const output of [...record.outputs].sort((a, b) => a.region_index - b.region_index)) {
            counts.outputs++;
            if (output.kind === "replace") {
              counts.replacement++;
              await arrays[0].add(output.release);
            } else {
              counts.removal++;
              await arrays[1].add(output.release);
            }
            if (output.llava) {
              counts.llava++;
              await arrays[2].add(output.llava);
            }
            await metadata.write(`${JSON.stringify(output.metadata)}\n`);
          }
        }
      }
      for (const array of arrays) await array.end();
      // Every file on disk first, then the renames one after another: a failure before the
      // renames leaves the previous index files whole and untouched.
      for (const file of opened) await file.seal();
      for (const file of opened) await file.commit();
    } catch (error) {
      await Promise.all(opened.map((file) => file.abort()));
      throw error;
    }
    return { ...counts, skipped: skipped.sort((a, b) => a.file.localeCompare(b.file)), files: [...files] };
  }

  /** A record that may go into the dataset, or why it may not. */
  async function checkedRecord(name: string, index: number, only: ReadonlySet<number> | undefined): Promise<{ record: SampleRecord } | { skip: SkippedRecord }> {
    const rel = `records/${name}`;
    let record: SampleRecord;
    try {
      record = await readRecord(resolveInside(root, rel));
    } catch (error) {
      return { skip: { file: rel, reason: `unreadable or invalid record: ${describe(error)}` } };
    }
    if (index !== record.index) return { skip: { file: rel, reason: `holds sample index ${record.index}, not the one in its name` } };
    if (only && !only.has(record.index)) return { skip: { file: rel, reason: `sample ${record.index} is not accepted in the run (a stale record)` } };
    const missing = await firstMissing(root, record.outputs.flatMap((o) => o.files));
    if (missing !== null) return { skip: { file: rel, reason: `image ${missing} is missing` } };
    return { record };
  }

  return { root, writeSample, finalize };
}

function resolveRootPath(root: string): string {
  if (root.includes("\u0000")) {
    throw new OutputPathError("PATH_INVALID_CHARACTER", `output folder ${JSON.stringify(root.slice(0, 120))} contains a NUL character`);
  }
  return nodePath.resolve(root);
}

/** Delete a stale image of an earlier version of a sample; names that fail resolveInside are left alone. */
async function removeIfInside(root: string, rel: string): Promise<void> {
  let full: string;
  try {
    full = resolveInside(root, rel);
  } catch {
    return;
  }
  await unlink(full).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== "ENOENT") throw error;
  });
}

async function firstMissing(root: string, files: readonly string[]): Promise<string | null> {
  for (const file of files) {
    let full: string;
    try {
      full = resolveInside(root, file);
    } catch {
      return file; // a record naming a path outside the root is treated as broken
    }
    if (!(await exists(full))) return file;
  }
  return null;
}

/** Records every output id of a record; two samples with one id cannot both be in the dataset. */
function claimIds(owners: Map<string, number>, record: SampleRecord): void {
  for (const { id } of record.outputs) {
    const first = owners.get(id);
    if (first !== undefined && first !== record.index) {
      throw new ImgDiffError(
        "DATASET_DUPLICATE_ID",
        `samples ${first} and ${record.index} both wrote output ${JSON.stringify(id)} (${recordPath(first)}, ${recordPath(record.index)}); give every sample a distinct id`,
      );
    }
    owners.set(id, record.index);
  }
}

function describe(error: unknown): string {
  if (error instanceof z.ZodError) return error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).slice(0, 3).join("; ");
  return error instanceof Error ? error.message : String(error);
}
