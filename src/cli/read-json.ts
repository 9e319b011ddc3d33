import { readFile, stat } from "node:fs/promises";
import { ImgDiffError } from "../errors.js";

/** Workflows are small; a larger file is a mistake or an attack, refused before it is parsed. */
export const MAX_WORKFLOW_BYTES = 16 * 1024 * 1024;

/** Reads and parses a JSON file, with errors that name the file and, for syntax, the position. */
export async function readJsonFile(path: string, maxBytes = MAX_WORKFLOW_BYTES): Promise<unknown> {
  let size: number;
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw new ImgDiffError("FILE_IS_DIRECTORY", `${path} is a folder, expected a JSON file`);
    size = info.size;
  } catch (error) {
    if (error instanceof ImgDiffError) throw error;
    throw new ImgDiffError("FILE_NOT_FOUND", `cannot read ${path}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message}`);
  }
  if (size > maxBytes) throw new ImgDiffError("FILE_TOO_LARGE", `${path} is ${size} bytes; JSON files over ${maxBytes} bytes are refused`);
  const text = await readFile(path, "utf8");
  if (text.trim() === "") throw new ImgDiffError("JSON_EMPTY", `${path} is empty, expected a JSON workflow`);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ImgDiffError("JSON_INVALID", `${path} is not valid JSON: ${(error as Error).message}`);
  }
}
