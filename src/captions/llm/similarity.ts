import type { ModelClient } from "./model-client.js";

/**
 * Img-Diff's Captions Similarity filter (paper §4, stage 1): a region whose two captions say the
 * same thing shows no real difference, so it is dropped when their similarity is at or above a
 * threshold (the paper: CLIP ViT-B/32 text cosine, keep below 0.85).
 *
 * With an embedding model on the server we use the cosine of its embeddings. Without one we use
 * a STAND-IN that is not CLIP and not semantic: the cosine of the two captions' bags of content
 * words (lower-cased, stop words and numbers dropped, a trailing plural "s" removed). It catches
 * captions that name the same things in the same words and misses paraphrases ("a puppy" vs "a
 * young dog" score 0), so with it the filter keeps more pairs than CLIP would. Its scale differs
 * from CLIP's too: the same threshold is a different cut.
 */

export type SimilarityMethod = "embedding" | "token-overlap";

export interface CaptionSimilarity {
  readonly score: number;
  readonly method: SimilarityMethod;
}

const STOP_WORDS = new Set(
  (
    "a an the and or but of in on at to for with without from by into onto over under near next beside behind " +
    "is are was were be been being it its this that these those there here which who whom whose " +
    "has have had do does did can could would should will shall may might must " +
    "as than then so such very some any each every all both either neither not no nor " +
    "image picture photo region area shows show showing shown appears seen visible bounding"
  ).split(" "),
);

export function contentWords(text: string): string[] {
  return (text.toLowerCase().match(/[a-z]+/g) ?? [])
    .filter((w) => !STOP_WORDS.has(w))
    .map((w) => (w.length > 3 && w.endsWith("s") && !w.endsWith("ss") ? w.slice(0, -1) : w));
}

export function cosine(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new RangeError(`cosine: vectors of different lengths ${a.length} and ${b.length}`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/** The token-overlap stand-in: cosine of content-word counts, in [0, 1]; two empty captions score 1. */
export function tokenOverlapSimilarity(a: string, b: string): number {
  const count = (words: string[]): Map<string, number> => {
    const m = new Map<string, number>();
    for (const w of words) m.set(w, (m.get(w) ?? 0) + 1);
    return m;
  };
  const ca = count(contentWords(a));
  const cb = count(contentWords(b));
  if (ca.size === 0 && cb.size === 0) return 1;
  const vocab = [...new Set([...ca.keys(), ...cb.keys()])];
  return cosine(vocab.map((w) => ca.get(w) ?? 0), vocab.map((w) => cb.get(w) ?? 0));
}

/** Embedding cosine when `embeddingModel` is named (and a client given), else the stand-in. */
export async function captionSimilarity(
  a: string,
  b: string,
  options: { readonly client?: ModelClient; readonly embeddingModel?: string; readonly signal?: AbortSignal } = {},
): Promise<CaptionSimilarity> {
  const model = options.embeddingModel?.trim() ?? "";
  if (options.client && model !== "") {
    const [ea, eb] = await options.client.embed([a, b], model, options.signal);
    return { score: cosine(ea!, eb!), method: "embedding" };
  }
  return { score: tokenOverlapSimilarity(a, b), method: "token-overlap" };
}
