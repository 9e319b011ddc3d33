import { z } from "zod";
import type { EditKind, ObjectEdit, RegionCaption } from "../captions/edit.js";
import { normalisedBox, normalisedBoxString, REPLACEMENT_QUESTION, removalQuestion } from "../captions/questions.js";
import type { ImageFormat } from "./encode.js";

/**
 * The records of one output sample (one region of one pair) in the formats trainers load:
 * - the Img-Diff release (HF datajuicer/Img-Diff, paper §6): replacement records with `bbox` as a
 *   STRING (third-party loaders `ast.literal_eval` it), removal records with `bbox` as a LIST,
 *   plus explicit `image_left` / `image_right` / `answer_side` fields (paper §10.4);
 * - LLaVA / ShareGPT: one side-by-side image with the `<image>` token in the human turn;
 * - a Hugging Face `imagefolder` metadata.jsonl line.
 * All paths are relative to the dataset root and use "/".
 */

export type Side = "left" | "right";

const human = (value: z.ZodString = z.string()) => z.object({ from: z.literal("human"), value });
const gpt = (value: z.ZodType<string> = z.string()) => z.object({ from: z.literal("gpt"), value });
const boxString = z.string().regex(/^\[[01]\.\d\d, [01]\.\d\d, [01]\.\d\d, [01]\.\d\d\]$/);
const boxList = z.array(z.number().min(0).max(1)).length(4);
const relPath = z.string().regex(/^images\/[^/]+$/);

export const ReplacementRecordSchema = z.strictObject({
  conversations: z.tuple([human(z.string().refine((v) => v === REPLACEMENT_QUESTION)), gpt()]),
  bbox: boxString,
  captions1: z.string(),
  captions2: z.string(),
  path: z.string().regex(/^\.\/images\/[^/]+$/),
  image_left: relPath,
  image_right: relPath,
});
export type ReplacementRecord = z.infer<typeof ReplacementRecordSchema>;

export const RemovalRecordSchema = z.strictObject({
  bbox: boxList,
  conversations: z.tuple([human(), gpt(z.enum(["A", "B"]))]),
  path: z.string().regex(/^\.\/images\/[^/]+$/),
  image_left: relPath,
  image_right: relPath,
  answer_side: z.enum(["left", "right"]),
});
export type RemovalRecord = z.infer<typeof RemovalRecordSchema>;

export const LlavaRecordSchema = z.strictObject({
  id: z.string(),
  image: relPath,
  conversations: z.tuple([human(z.string().startsWith("<image>\n")), gpt()]),
});
export type LlavaRecord = z.infer<typeof LlavaRecordSchema>;

/** Extra columns (filter scores...) ride along after the fixed ones; fixed names win. */
export const MetadataLineSchema = z.looseObject({
  file_name: relPath,
  /** Recent `datasets` versions load every `*_file_name` column as an image column. */
  left_file_name: relPath,
  right_file_name: relPath,
  id: z.string(),
  image_left: relPath,
  image_right: relPath,
  answer_side: z.enum(["left", "right"]).nullable(),
  kind: z.enum(["replace", "remove"]),
  question: z.string(),
  answer: z.string(),
  bbox: boxList,
  captions1: z.string(),
  captions2: z.string(),
  category: z.string(),
  source_object: z.string(),
  target_object: z.string().nullable(),
  sample_index: z.number().int().min(0),
  region_index: z.number().int().min(0),
});
export type MetadataLine = z.infer<typeof MetadataLineSchema>;

/** Where the files of output sample `id` live, relative to the dataset root. */
export interface SampleFiles {
  /** Img-Diff's `path`: the images are `path + "_0.jpg"` (left) and `path + "_1.jpg"` (right). */
  readonly path: string;
  readonly left: string;
  readonly right: string;
  /** The side-by-side image with the 20-px bar (LLaVA record, imagefolder `file_name`). */
  readonly composite: string;
}

export function sampleFiles(id: string, format: ImageFormat): SampleFiles {
  return {
    path: `./images/${id}`,
    left: `images/${id}_0.${format}`,
    right: `images/${id}_1.${format}`,
    composite: `images/${id}.${format}`,
  };
}

/** The removal answer follows from where the object is: "A" (left image) or "B" (right image). */
export function answerLetter(objectSide: Side): "A" | "B" {
  return objectSide === "left" ? "A" : "B";
}

/** Image size the normalised box refers to: image 1 (A) of the pair. */
export interface ImageSize {
  readonly width: number;
  readonly height: number;
}

export function replacementRecord(files: SampleFiles, region: RegionCaption, size: ImageSize): ReplacementRecord {
  return {
    conversations: [
      { from: "human", value: REPLACEMENT_QUESTION },
      { from: "gpt", value: region.difference },
    ],
    bbox: normalisedBoxString(region.box, size.width, size.height),
    captions1: region.caption1,
    captions2: region.caption2,
    path: files.path,
    image_left: files.left,
    image_right: files.right,
  };
}

/** `objectSide`: where the saved files put image A (the one with the object). */
export function removalRecord(files: SampleFiles, region: RegionCaption, size: ImageSize, objectSide: Side): RemovalRecord {
  return {
    bbox: normalisedBox(region.box, size.width, size.height),
    conversations: [
      { from: "human", value: removalQuestion(region.caption1) },
      { from: "gpt", value: answerLetter(objectSide) },
    ],
    path: files.path,
    image_left: files.left,
    image_right: files.right,
    answer_side: objectSide,
  };
}

/** A LLaVA / ShareGPT record over the side-by-side image. */
export function llavaRecord(id: string, files: SampleFiles, question: string, answer: string): LlavaRecord {
  return {
    id,
    image: files.composite,
    conversations: [
      { from: "human", value: `<image>\n${question}` },
      { from: "gpt", value: answer },
    ],
  };
}

export interface MetadataInput {
  readonly id: string;
  readonly files: SampleFiles;
  /** The image the imagefolder loader opens: the composite, or the left image without one. */
  readonly fileName: string;
  readonly kind: EditKind;
  readonly edit: ObjectEdit;
  readonly region: RegionCaption;
  readonly size: ImageSize;
  /** Removal only: where the object is. */
  readonly objectSide: Side | null;
  readonly question: string;
  readonly answer: string;
  readonly sampleIndex: number;
  readonly regionIndex: number;
  readonly extra?: Readonly<Record<string, unknown>>;
}

/**
 * One metadata.jsonl line. captions1/captions2 follow the saved left/right images, so for a
 * removal sample whose object ended up on the right, captions1 is the background caption.
 */
export function metadataLine(input: MetadataInput): MetadataLine {
  const { region, objectSide } = input;
  const swapped = objectSide === "right";
  return {
    ...input.extra,
    file_name: input.fileName,
    left_file_name: input.files.left,
    right_file_name: input.files.right,
    id: input.id,
    image_left: input.files.left,
    image_right: input.files.right,
    answer_side: objectSide,
    kind: input.kind,
    question: input.question,
    answer: input.answer,
    bbox: normalisedBox(region.box, input.size.width, input.size.height),
    captions1: swapped ? region.caption2 : region.caption1,
    captions2: swapped ? region.caption1 : region.caption2,
    category: input.edit.category,
    source_object: input.edit.source,
    // A removal sample cut from a replace edit (A vs the background) has no target object.
    target_object: input.kind === "remove" ? null : input.edit.target,
    sample_index: input.sampleIndex,
    region_index: input.regionIndex,
  };
}
