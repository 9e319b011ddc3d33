import type { ObjectEdit } from "../edit.js";
import { findObject } from "../lexicon.js";
import type { ModelClient } from "./model-client.js";
import { contentWords } from "./similarity.js";

/**
 * Caption editing with an LLM, Img-Diff's first stage (paper §3.2; imgdiff-paper.md §1): the model
 * replaces one object in a caption, and the answers are filtered as the authors' gen.py does.
 * The lexicon (PromptPair) stays the offline default; this is the paper's original route.
 */

/** The wording of the authors' script (gen.py), which is what produced the released data. */
export function captionEditPrompt(caption: string): string {
  return (
    `Here is a sentence: "${caption.replace(/\s+/g, " ").trim()}". Please replace one entity in this sentence with another entity, ` +
    "such as an animal, a vehicle, or a piece of furniture. Please only answer with the replaced sentence."
  );
}

/** gen.py samples at temperature 0.8 with at most 128 new tokens. */
export const CAPTION_EDIT_SAMPLING = { temperature: 0.8, maxTokens: 128 } as const;

/** Answers that talk about the edit instead of being the edited sentence (gen.py's filter). */
const META_WORDS = /replac|modified|become/i;

/** At most this many words may change on each side for the edit to count as one object. */
export const MAX_CHANGED_WORDS = 3;

export type CaptionEditRejection =
  | "caption_edit_meta_words"
  | "caption_edit_empty"
  | "caption_edit_unchanged"
  | "caption_edit_not_one_object";

export type CaptionEditResult =
  | { readonly ok: true; readonly edited: string; readonly edit: ObjectEdit }
  | { readonly ok: false; readonly reason: CaptionEditRejection; readonly message: string; readonly edited: string };

function words(text: string): string[] {
  return text.toLowerCase().match(/[a-z0-9]+(?:['-][a-z0-9]+)*/g) ?? [];
}

const ARTICLES = new Set(["a", "an", "the"]);

/** The changed words without leading articles ("an old red sofa" -> "old red sofa"). */
function objectName(span: readonly string[]): string {
  let start = 0;
  while (start < span.length && ARTICLES.has(span[start]!)) start++;
  return span.slice(start).join(" ");
}

/** The answer text that gen.py keeps: after the last "---", trimmed, without wrapping quotes. */
export function cleanAnswer(answer: string): string {
  const cut = answer.lastIndexOf("---");
  const kept = (cut >= 0 ? answer.slice(cut + 3) : answer).trim();
  return kept.replace(/^["'\u201c]+|["'\u201d]+$/g, "").trim();
}

/**
 * Applies the paper's filters to a model answer and checks that exactly one object changed:
 * after removing the words the two captions share at the start and at the end, what remains
 * must be one run on each side of 1 to MAX_CHANGED_WORDS words (articles not counted) holding a
 * content word
 * (so "on" -> "under" or a deleted adjective does not count). gen.py has no such check; without
 * it, rewrites of the whole sentence would reach the image generator.
 */
export function filterEditedCaption(caption: string, answer: string): CaptionEditResult {
  const edited = cleanAnswer(answer);
  const reject = (reason: CaptionEditRejection, message: string): CaptionEditResult => ({ ok: false, reason, message, edited });
  if (edited === "") return reject("caption_edit_empty", "the model answered nothing usable");
  const meta = META_WORDS.exec(edited);
  if (meta) return reject("caption_edit_meta_words", `the answer talks about the edit ("${meta[0]}...") instead of being the edited sentence`);
  const a = words(caption);
  const b = words(edited);
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix++;
  let suffix = 0;
  while (suffix < a.length - prefix && suffix < b.length - prefix && a[a.length - 1 - suffix] === b[b.length - 1 - suffix]) suffix++;
  const removed = a.slice(prefix, a.length - suffix);
  const added = b.slice(prefix, b.length - suffix);
  if (removed.length === 0 && added.length === 0) return reject("caption_edit_unchanged", "the answer has the same words as the caption");
  const source = objectName(removed);
  const target = objectName(added);
  const isObject = (name: string): boolean =>
    name.split(" ").length <= MAX_CHANGED_WORDS && contentWords(name).length > 0;
  if (!(isObject(source) && isObject(target))) {
    return reject(
      "caption_edit_not_one_object",
      `expected one object of 1-${MAX_CHANGED_WORDS} words replaced, received "${removed.join(" ")}" -> "${added.join(" ")}"`,
    );
  }
  const category = findObject(target)?.category ?? findObject(source)?.category ?? "object";
  const edit: ObjectEdit = Object.freeze({
    kind: "replace",
    category,
    source,
    target,
    // The caption is the scene: the object is one phrase inside it.
    scene: caption.trim(),
    sourcePrompt: caption.trim(),
    editedPrompt: edited,
  });
  return { ok: true, edited, edit };
}

/** Asks the model for an edited caption and filters the answer. */
export async function editCaption(
  client: ModelClient,
  caption: string,
  options: { readonly seed?: number; readonly temperature?: number; readonly signal?: AbortSignal } = {},
): Promise<CaptionEditResult> {
  const answer = await client.chat(
    {
      prompt: captionEditPrompt(caption),
      temperature: options.temperature ?? CAPTION_EDIT_SAMPLING.temperature,
      maxTokens: CAPTION_EDIT_SAMPLING.maxTokens,
      ...(options.seed === undefined ? {} : { seed: options.seed }),
    },
    options.signal,
  );
  return filterEditedCaption(caption, answer);
}
