/**
 * Every error the project throws on purpose is an ImgDiffError with a stable `code`, so callers
 * (the CLI, the batch runner, tests) branch on codes, never on message text. Messages say what
 * was expected, what was received and, where it helps, what to do.
 */
export class ImgDiffError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** An image that cannot be used: empty, not an image, corrupt, too large, wrong size. */
export class ImageError extends ImgDiffError {
  /** The file or input that is at fault, e.g. "a.png" or "node 3 (ImgDiff.DifferenceArea) image_b". */
  readonly source: string;

  constructor(code: string, source: string, message: string, options?: { cause?: unknown }) {
    super(code, `${source}: ${message}`, options);
    this.source = source;
  }
}

/** A path that would leave the output folder, or an output folder that cannot be used. */
export class OutputPathError extends ImgDiffError {}
