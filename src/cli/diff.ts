import { readFile, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { createInterface } from "node:readline";
import { createReadStream } from "node:fs";
import { parse, integerFlag, numberFlag } from "./args.js";
import { UsageError } from "./usage-error.js";
import { detectEncoded, type DetectionResult, type EncodedDetectOptions } from "../vision/detect.js";
import { ImgDiffError } from "../errors.js";

export const DIFF_USAGE = "imgdiff diff <a> <b> [--json] [--max-boxes N] [--min-area F]\n       imgdiff diff --pairs <file.jsonl> --json";

/** Encoded files over this size are refused before decoding (the pixel limit guards the rest). */
const MAX_FILE_BYTES = 256 * 1024 * 1024;
/** Pairs in flight with --pairs: enough to keep libvips busy on every core. */
const PAIRS_IN_FLIGHT = 4;

export async function diffCommand(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    json: { type: "boolean", default: false },
    pairs: { type: "string" },
    "max-boxes": { type: "string" },
    "min-area": { type: "string" },
  });
  const options = {
    maxBoxes: integerFlag("max-boxes", values["max-boxes"], 5, 1, 64),
    minAreaFraction: numberFlag("min-area", values["min-area"], 1 / 400, 0, 1),
  };
  if (values.pairs !== undefined) {
    if (positionals.length > 0) throw new UsageError("give either two images or --pairs FILE, not both");
    return diffPairs(values.pairs, options, values.json === true);
  }
  if (positionals.length !== 2) throw new UsageError(`expected two images, received ${positionals.length}`);
  const [a, b] = positionals as [string, string];
  const result = await diffFiles(a, b, options);
  process.stdout.write(values.json ? `${JSON.stringify(toJson(result))}\n` : formatHuman(a, b, result));
  return 0;
}

async function readImageFile(path: string): Promise<Buffer> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new ImgDiffError("FILE_NOT_A_FILE", `${path} is not a file`);
    if (info.size > MAX_FILE_BYTES) throw new ImgDiffError("FILE_TOO_LARGE", `${path} is ${info.size} bytes, over the ${MAX_FILE_BYTES}-byte limit`);
    return await readFile(path);
  } catch (error) {
    if (error instanceof ImgDiffError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new ImgDiffError("FILE_NOT_FOUND", `cannot read ${path}: ${code === "ENOENT" ? "no such file" : (error as Error).message}`);
  }
}

async function diffFiles(a: string, b: string, options: Partial<EncodedDetectOptions>): Promise<DetectionResult> {
  const [bytesA, bytesB] = await Promise.all([readImageFile(a), readImageFile(b)]);
  return detectEncoded(bytesA, bytesB, { ...options, sourceA: a, sourceB: b });
}

function toJson(result: DetectionResult) {
  return { width: result.width, height: result.height, boxes: result.boxes.map((b) => ({ box: [...b.box], score: b.score })) };
}

function formatHuman(a: string, b: string, result: DetectionResult): string {
  const lines = [`${a} vs ${b}: ${result.width}x${result.height}, ${result.boxes.length} changed region(s)`];
  for (const { box, score } of result.boxes) lines.push(`  [${box.join(", ")}]  score ${score.toFixed(3)}`);
  return `${lines.join("\n")}\n`;
}

/**
 * One process for many pairs: lines `{"id","a","b"}` in, one JSON object per line out, in input
 * order, with a few pairs in flight. Relative paths are taken from the working folder, or else
 * from the pairs file's folder. A bad line or image gives `{"id","error"}` and the rest go on.
 */
async function diffPairs(file: string, options: Partial<EncodedDetectOptions>, json: boolean): Promise<number> {
  if (!json) throw new UsageError("--pairs prints JSON lines; add --json");
  try {
    await stat(file);
  } catch {
    throw new ImgDiffError("FILE_NOT_FOUND", `cannot read ${file}: no such file`);
  }
  const base = dirname(resolve(file));
  const locate = async (p: string) => {
    const here = resolve(p);
    try {
      await stat(here);
      return here;
    } catch {
      return resolve(base, p);
    }
  };
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  const pending: Array<Promise<string>> = [];
  let failures = 0;
  let lineNo = 0;
  const flush = async (keep: number) => {
    while (pending.length > keep) process.stdout.write(`${await pending.shift()!}\n`);
  };
  for await (const line of lines) {
    lineNo++;
    if (line.trim() === "") continue;
    const at = lineNo;
    pending.push(
      (async () => {
        let id: unknown = null;
        try {
          const entry = JSON.parse(line) as { id?: unknown; a?: unknown; b?: unknown };
          id = entry.id ?? null;
          if (typeof entry.a !== "string" || typeof entry.b !== "string") {
            throw new ImgDiffError("PAIR_INVALID", `line ${at}: expected {"id","a","b"} with a and b file paths`);
          }
          const result = await diffFiles(await locate(entry.a), await locate(entry.b), options);
          return JSON.stringify({ id, ...toJson(result) });
        } catch (error) {
          failures++;
          const code = error instanceof ImgDiffError ? error.code : error instanceof SyntaxError ? "PAIR_INVALID" : "ERROR";
          const message = error instanceof SyntaxError ? `line ${at}: not valid JSON (${error.message})` : (error as Error).message;
          return JSON.stringify({ id, error: { code, message } });
        }
      })(),
    );
    await flush(PAIRS_IN_FLIGHT - 1);
  }
  await flush(0);
  return failures > 0 ? 1 : 0;
}
