import { mkdir, mkdtemp, readFile, rm, symlink, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { REPLACEMENT_QUESTION } from "../../src/captions/questions.js";
import {
  LlavaRecordSchema,
  MetadataLineSchema,
  RemovalRecordSchema,
  ReplacementRecordSchema,
} from "../../src/dataset/formats.js";
import { createDatasetWriter, type DatasetSample } from "../../src/dataset/writer.js";
import { ImgDiffError, OutputPathError } from "../../src/errors.js";
import { createRng } from "../../src/util/rng.js";
import {
  BACKGROUND,
  BOX,
  decode,
  HEIGHT,
  listTree,
  meanIn,
  near,
  OBJECT_A,
  OBJECT_B,
  removalSample,
  replacementSample,
  WIDTH,
} from "./support.js";

let base: string;
let root: string;
beforeEach(async () => {
  base = await mkdtemp(path.join(tmpdir(), "imgdiff-writer-"));
  root = path.join(base, "out");
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

async function readJson(file: string): Promise<unknown> {
  return JSON.parse(await readFile(path.join(root, file), "utf8"));
}

async function metadataLines(): Promise<unknown[]> {
  const text = await readFile(path.join(root, "metadata.jsonl"), "utf8");
  return text.trimEnd().split("\n").filter(Boolean).map((line) => JSON.parse(line));
}

/** An rng whose first removal-side draw puts the object on `side`. */
function rngFor(side: "left" | "right") {
  for (let seed = 0; ; seed++) {
    const rng = createRng("side-search", seed);
    if ((rng.fork(0).chance(0.5) ? "left" : "right") === side) return createRng("side-search", seed);
  }
}

describe("dataset writer: replacement samples", () => {
  it("writes boxed images, the composite and all four index files", async () => {
    const writer = createDatasetWriter({ root, imageFormat: "png" });
    const second: typeof BOX = [40, 30, 60, 44];
    const written = await writer.writeSample(replacementSample(3, [BOX, second]));
    expect(written.recordFile).toBe("records/000003.json");
    expect(written.outputs.map((o) => o.id)).toEqual(["000003_0", "000003_1"]);
    const summary = await writer.finalize();
    expect(summary).toMatchObject({ samples: 1, outputs: 2, replacement: 2, removal: 0, llava: 2, skipped: [] });

    expect(await listTree(root)).toEqual([
      "images/000003_0.png",
      "images/000003_0_0.png",
      "images/000003_0_1.png",
      "images/000003_1.png",
      "images/000003_1_0.png",
      "images/000003_1_1.png",
      "img_diff_object_removal.json",
      "img_diff_object_replacement.json",
      "llava.json",
      "metadata.jsonl",
      "records/000003.json",
    ]);

    const release = ReplacementRecordSchema.array().parse(await readJson("img_diff_object_replacement.json"));
    expect(release[0]).toEqual({
      conversations: [
        { from: "human", value: REPLACEMENT_QUESTION },
        { from: "gpt", value: "The left image shows a dog 0, while the right image shows a cat. The difference is the animal." },
      ],
      bbox: "[0.31, 0.25, 0.56, 0.58]", // 20/64, 12/48, 36/64, 28/48
      captions1: "A small dog 0.",
      captions2: "A small cat 0.",
      path: "./images/000003_0",
      image_left: "images/000003_0_0.png",
      image_right: "images/000003_0_1.png",
    });
    expect(release[1]!.bbox).toBe("[0.63, 0.63, 0.94, 0.92]");
    expect(await readJson("img_diff_object_removal.json")).toEqual([]);

    const llava = LlavaRecordSchema.array().parse(await readJson("llava.json"));
    expect(llava[0]).toMatchObject({ id: "000003_0", image: "images/000003_0.png" });
    expect(llava[0]!.conversations[0].value).toBe(`<image>\n${REPLACEMENT_QUESTION}`);

    const lines = await metadataLines();
    expect(lines).toHaveLength(2);
    const line = MetadataLineSchema.parse(lines[1]);
    expect(line).toMatchObject({
      file_name: "images/000003_1.png",
      left_file_name: "images/000003_1_0.png",
      right_file_name: "images/000003_1_1.png",
      kind: "replace",
      answer_side: null,
      category: "animal",
      source_object: "dog",
      target_object: "cat",
      sample_index: 3,
      region_index: 1,
      bbox: [0.63, 0.63, 0.94, 0.92],
    });
  });

  it("saves the left image with image A's object and the red box, the right with image B's", async () => {
    const writer = createDatasetWriter({ root, imageFormat: "png" });
    await writer.writeSample(replacementSample(0));
    const left = await decode(path.join(root, "images/000000_0_0.png"));
    const right = await decode(path.join(root, "images/000000_0_1.png"));
    expect(meanIn(left, BOX)).toEqual(OBJECT_A);
    expect(meanIn(right, BOX)).toEqual(OBJECT_B);
    // Outline 3..5 px outside the box, background 2 px outside and 6 px outside.
    const at = (img: typeof left, x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));
    for (const img of [left, right]) {
      expect(at(img, BOX[0] - 5, 20)).toEqual([255, 0, 0]);
      expect(at(img, BOX[0] - 3, 20)).toEqual([255, 0, 0]);
      expect(at(img, BOX[0] - 2, 20)).toEqual([...BACKGROUND]);
      expect(at(img, BOX[0] - 6, 20)).toEqual([...BACKGROUND]);
      expect(at(img, BOX[2] + 4, 20)).toEqual([255, 0, 0]);
      expect(at(img, 28, BOX[1] - 4)).toEqual([255, 0, 0]);
    }
  });

  it("makes the composite w1 + 20 + w2 wide with a black bar", async () => {
    const writer = createDatasetWriter({ root, imageFormat: "png" });
    await writer.writeSample(replacementSample(0));
    const composite = await decode(path.join(root, "images/000000_0.png"));
    expect(composite.width).toBe(WIDTH + 20 + WIDTH);
    expect(composite.height).toBe(HEIGHT);
    const i = (10 * composite.width + WIDTH + 10) * 3;
    expect(Array.from(composite.data.subarray(i, i + 3))).toEqual([0, 0, 0]);
    expect(meanIn(composite, [BOX[0] + WIDTH + 20, BOX[1], BOX[2] + WIDTH + 20, BOX[3]])).toEqual(OBJECT_B);
  });

  it("writes JPEG by default", async () => {
    const writer = createDatasetWriter({ root });
    await writer.writeSample(replacementSample(1));
    const left = await decode(path.join(root, "images/000001_0_0.jpg"));
    expect(near(meanIn(left, BOX), OBJECT_A)).toBe(true);
    const head = (await readFile(path.join(root, "images/000001_0.jpg"))).subarray(0, 2);
    expect(Array.from(head)).toEqual([0xff, 0xd8]);
  });

  it("without side-by-side images: no composite, empty llava.json, file_name is the left image", async () => {
    const writer = createDatasetWriter({ root, sideBySide: false });
    await writer.writeSample(replacementSample(2));
    const summary = await writer.finalize();
    expect(summary.llava).toBe(0);
    expect(await readJson("llava.json")).toEqual([]);
    expect((await listTree(root)).filter((f) => f.startsWith("images/"))).toEqual(["images/000002_0_0.jpg", "images/000002_0_1.jpg"]);
    expect((await metadataLines())[0]).toMatchObject({ file_name: "images/000002_0_0.jpg" });
  });

  it("copies extra values into the metadata line and rejects values that are not JSON", async () => {
    const writer = createDatasetWriter({ root });
    await writer.writeSample({ ...replacementSample(4), extra: { clip_similarity: 0.93, kind: "overridden?" } });
    await writer.finalize();
    expect((await metadataLines())[0]).toMatchObject({ clip_similarity: 0.93, kind: "replace" });
    await expect(writer.writeSample({ ...replacementSample(5), extra: { bad: Number.NaN } })).rejects.toMatchObject({
      code: "DATASET_BAD_EXTRA",
      message: expect.stringContaining('"bad"'),
    });
  });

  it("rejects a pair whose images differ in size", async () => {
    const writer = createDatasetWriter({ root });
    const sample = replacementSample(0);
    await expect(writer.writeSample({ ...sample, imageB: { width: 10, height: 10, data: new Uint8Array(300) } })).rejects.toMatchObject({
      code: "IMAGE_SIZE_MISMATCH",
    });
  });
});

describe("dataset writer: removal samples", () => {
  it.each(["left", "right"] as const)("the answer names the side that holds the object (object %s)", async (side) => {
    const writer = createDatasetWriter({ root, imageFormat: "png" });
    const written = await writer.writeSample(removalSample(7, { rng: rngFor(side) }));
    expect(written.outputs[0]!.objectSide).toBe(side);
    await writer.finalize();

    const [record] = RemovalRecordSchema.array().parse(await readJson("img_diff_object_removal.json"));
    const left = await decode(path.join(root, record!.image_left));
    const right = await decode(path.join(root, record!.image_right));
    // Derive the truth from the saved pixels, not from the writer's bookkeeping.
    const leftHasObject = near(meanIn(left, BOX), OBJECT_A);
    const rightHasObject = near(meanIn(right, BOX), OBJECT_A);
    expect(leftHasObject).not.toBe(rightHasObject);
    expect(near(meanIn(leftHasObject ? right : left, BOX), BACKGROUND)).toBe(true);
    expect(record!.conversations[1].value).toBe(leftHasObject ? "A" : "B");
    expect(record!.answer_side).toBe(leftHasObject ? "left" : "right");
    expect(leftHasObject).toBe(side === "left");
    expect(record!.bbox).toEqual([0.31, 0.25, 0.56, 0.58]);
    expect(record!.conversations[0].value).toContain('related to "A small dog 0."');

    // The composite and the other formats agree with the release record.
    const composite = await decode(path.join(root, "images/000007_0.png"));
    const objectInCompositeLeft = near(meanIn(composite, BOX), OBJECT_A);
    expect(objectInCompositeLeft).toBe(leftHasObject);
    const [llava] = LlavaRecordSchema.array().parse(await readJson("llava.json"));
    expect(llava!.conversations[1].value).toBe(record!.conversations[1].value);
    const line = MetadataLineSchema.parse((await metadataLines())[0]);
    expect(line.answer).toBe(record!.conversations[1].value);
    expect(line.answer_side).toBe(side);
    // captions1/2 follow the saved sides.
    expect(line.captions1).toBe(leftHasObject ? "A small dog 0." : "Nothing but the background.");
  });

  it("chooses both orders over many samples, deterministically", async () => {
    const writer = createDatasetWriter({ root });
    const sides = [];
    for (let i = 0; i < 12; i++) sides.push((await writer.writeSample(removalSample(i))).outputs[0]!.objectSide);
    expect(new Set(sides)).toEqual(new Set(["left", "right"]));
    const again = [];
    for (let i = 0; i < 12; i++) again.push((await writer.writeSample(removalSample(i))).outputs[0]!.objectSide);
    expect(again).toEqual(sides);
  });
});

describe("dataset writer: paths and hostile names", () => {
  it.each([
    ["../../etc/passwd", "PATH_INVALID_NAME"],
    ["/etc/passwd", "PATH_INVALID_NAME"],
    ["a\u0000b", "PATH_INVALID_NAME"],
    ["x".repeat(300), "PATH_INVALID_NAME"],
    ["..", "PATH_INVALID_NAME"],
  ])("refuses id %j and writes nothing outside the root", async (id, code) => {
    const writer = createDatasetWriter({ root });
    await writer.writeSample(replacementSample(0));
    const before = await listTree(base);
    await expect(writer.writeSample({ ...replacementSample(1), id })).rejects.toMatchObject({ code });
    await expect(writer.writeSample({ ...replacementSample(1), id })).rejects.toBeInstanceOf(OutputPathError);
    expect(await listTree(base)).toEqual(before);
    expect(before.every((f) => f.startsWith("out/"))).toBe(true);
  });

  it("keeps hostile object names in the JSON only", async () => {
    const writer = createDatasetWriter({ root });
    const sample = replacementSample(0);
    const edit = { ...sample.edit, source: "../../evil\u0000", category: "/etc/passwd", scene: "C:\\x" };
    await writer.writeSample({ ...sample, edit });
    await writer.finalize();
    expect((await listTree(base)).every((f) => f.startsWith("out/"))).toBe(true);
    expect((await metadataLines())[0]).toMatchObject({ source_object: "../../evil\u0000", category: "/etc/passwd" });
  });

  it("uses a safe custom id for the output names", async () => {
    const writer = createDatasetWriter({ root });
    const written = await writer.writeSample({ ...replacementSample(9), id: "shard2.pair17" });
    expect(written.outputs[0]!.files).toEqual(["images/shard2.pair17_0_0.jpg", "images/shard2.pair17_0_1.jpg", "images/shard2.pair17_0.jpg"]);
    expect(written.recordFile).toBe("records/000009.json");
  });

  it("refuses an output folder that is a file", async () => {
    await writeFile(root, "I am a file");
    const writer = createDatasetWriter({ root });
    await expect(writer.writeSample(replacementSample(0))).rejects.toMatchObject({
      code: "OUTPUT_NOT_A_DIRECTORY",
      message: expect.stringContaining(root),
    });
    await expect(writer.finalize()).rejects.toMatchObject({ code: "OUTPUT_NOT_A_DIRECTORY" });
    expect(await readFile(root, "utf8")).toBe("I am a file");
  });

  it("refuses an images folder that is a symbolic link out of the root", async () => {
    const elsewhere = path.join(base, "elsewhere");
    await mkdir(elsewhere);
    await mkdir(root);
    await symlink(elsewhere, path.join(root, "images"));
    const writer = createDatasetWriter({ root });
    await expect(writer.writeSample(replacementSample(0))).rejects.toMatchObject({ code: "OUTPUT_NOT_A_DIRECTORY" });
    expect(await listTree(elsewhere)).toEqual([]);
  });
});

describe("dataset writer: crashes, rewrites and concurrency", () => {
  it("finalize ignores temp files and skips records without images or with broken JSON", async () => {
    const writer = createDatasetWriter({ root });
    for (const i of [0, 1, 2]) await writer.writeSample(replacementSample(i));
    // A crash mid-write leaves temp files; a lost image leaves a record pointing at nothing.
    await writeFile(path.join(root, "records", ".000005.json.123.1.abcd.tmp"), '{"half": ');
    await writeFile(path.join(root, "images", ".000005_0_0.jpg.123.2.abcd.tmp"), "partial");
    await unlink(path.join(root, "images/000001_0_1.jpg"));
    await writeFile(path.join(root, "records", "000004.json"), "{ not json");
    await writeFile(path.join(root, "records", "000006.json"), JSON.stringify({ format: "imgdiff-sample/1", index: 6, outputs: [] }));
    await writeFile(path.join(root, "records", "notes.txt"), "ignored");

    const summary = await writer.finalize();
    expect(summary.samples).toBe(2);
    expect(summary.outputs).toBe(2);
    expect(summary.skipped.map((s) => s.file)).toEqual(["records/000001.json", "records/000004.json", "records/000006.json"]);
    expect(summary.skipped[0]!.reason).toMatch(/images\/000001_0_1\.jpg is missing/);
    const lines = await metadataLines();
    expect(lines.map((l) => (l as { sample_index: number }).sample_index)).toEqual([0, 2]);
    expect(ReplacementRecordSchema.array().parse(await readJson("img_diff_object_replacement.json"))).toHaveLength(2);
  });

  it("a record holding a path outside the root counts as broken and nothing outside is touched", async () => {
    const writer = createDatasetWriter({ root });
    await writer.writeSample(replacementSample(0));
    const record = (await readJson("records/000000.json")) as { outputs: { files: string[] }[] };
    record.outputs[0]!.files[0] = "../../outside.jpg";
    await writeFile(path.join(root, "records", "000000.json"), JSON.stringify(record));
    const summary = await writer.finalize();
    expect(summary.samples).toBe(0);
    expect(summary.skipped).toHaveLength(1);
  });

  it("orders outputs by sample index then region, whatever the write order", async () => {
    const writer = createDatasetWriter({ root });
    for (const i of [1000000, 12, 3]) await writer.writeSample(replacementSample(i, [BOX, [40, 30, 60, 44]]));
    await writer.finalize();
    const order = (await metadataLines()).map((l) => (l as { id: string }).id);
    expect(order).toEqual(["000003_0", "000003_1", "000012_0", "000012_1", "1000000_0", "1000000_1"]);
  });

  it("rewriting an index replaces the sample and removes its stale images", async () => {
    const writer = createDatasetWriter({ root });
    await writer.writeSample(replacementSample(5, [BOX, [40, 30, 60, 44]]));
    await writer.writeSample(replacementSample(5));
    const summary = await writer.finalize();
    expect(summary.outputs).toBe(1);
    expect((await listTree(root)).filter((f) => f.startsWith("images/"))).toEqual([
      "images/000005_0.jpg",
      "images/000005_0_0.jpg",
      "images/000005_0_1.jpg",
    ]);
  });

  it("two writers and concurrent writes on distinct indexes all land", async () => {
    const a = createDatasetWriter({ root });
    const b = createDatasetWriter({ root });
    const samples: DatasetSample[] = Array.from({ length: 10 }, (_, i) => (i % 2 ? removalSample(i) : replacementSample(i)));
    await Promise.all(samples.map((s, i) => (i % 2 ? a : b).writeSample(s)));
    const summary = await a.finalize();
    expect(summary).toMatchObject({ samples: 10, outputs: 10, replacement: 5, removal: 5, skipped: [] });
    expect((await listTree(root)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("concurrent writes of the same index leave one consistent sample", async () => {
    const writer = createDatasetWriter({ root });
    await Promise.all([
      writer.writeSample(replacementSample(8, [BOX, [40, 30, 60, 44]])),
      writer.writeSample(replacementSample(8)),
      writer.writeSample(replacementSample(8, [BOX, [40, 30, 60, 44]])),
    ]);
    const summary = await writer.finalize();
    expect(summary).toMatchObject({ samples: 1, outputs: 2, skipped: [] });
  });

  it("refuses two samples that claim the same output id", async () => {
    const writer = createDatasetWriter({ root });
    await writer.writeSample({ ...replacementSample(1), id: "same" });
    await writer.writeSample({ ...replacementSample(2), id: "same" });
    await expect(writer.finalize()).rejects.toMatchObject({ code: "DATASET_DUPLICATE_ID" });
    await expect(writer.finalize()).rejects.toBeInstanceOf(ImgDiffError);
  });

  it("the same samples give byte-identical datasets", async () => {
    const write = async (dir: string) => {
      const writer = createDatasetWriter({ root: dir });
      for (let i = 0; i < 4; i++) await writer.writeSample(i % 2 ? removalSample(i) : replacementSample(i));
      await writer.finalize();
    };
    const other = path.join(base, "again");
    await write(root);
    await write(other);
    const files = await listTree(root);
    expect(await listTree(other)).toEqual(files);
    for (const file of files) {
      expect((await readFile(path.join(other, file))).equals(await readFile(path.join(root, file)))).toBe(true);
    }
  });

  it("finalize on an empty dataset writes empty files", async () => {
    const summary = await createDatasetWriter({ root }).finalize();
    expect(summary).toMatchObject({ samples: 0, outputs: 0 });
    expect(summary.files).toEqual(["img_diff_object_replacement.json", "img_diff_object_removal.json", "llava.json", "metadata.jsonl"]);
    expect(await readFile(path.join(root, "metadata.jsonl"), "utf8")).toBe("");
    expect(await readJson("llava.json")).toEqual([]);
  });
});

describe("dataset writer: bad boxes", () => {
  it("refuses a region box outside the image before touching an earlier version", async () => {
    const writer = createDatasetWriter({ root });
    await writer.writeSample(replacementSample(0));
    const bad = { ...replacementSample(0), regions: [{ ...replacementSample(0).regions[0]!, box: [100, 100, 120, 120] as const }] };
    await expect(writer.writeSample(bad)).rejects.toMatchObject({ code: "DATASET_BAD_BOX", message: expect.stringContaining("100, 100, 120, 120") });
    expect((await writer.finalize()).samples).toBe(1);
  });
});

describe("dataset writer: options", () => {
  it("refuses a bad image format or JPEG quality when created", () => {
    expect(() => createDatasetWriter({ root, imageFormat: "gif" as "png" })).toThrow(/gif/);
    expect(() => createDatasetWriter({ root, jpegQuality: 101 })).toThrow(/101/);
    expect(() => createDatasetWriter({ root: "" })).toThrow(OutputPathError);
  });
});
