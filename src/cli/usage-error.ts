import { ImgDiffError } from "../errors.js";

/** Wrong command-line words: the CLI prints the message and the command's usage, exit code 2. */
export class UsageError extends ImgDiffError {
  constructor(message: string) {
    super("USAGE", message);
  }
}
