/** Small, strict helpers over node:util parseArgs, with errors that say what was expected. */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "./usage-error.js";

export function parse<T extends NonNullable<ParseArgsConfig["options"]>>(argv: readonly string[], options: T) {
  try {
    return parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/^TypeError \[\w+\]: /, ""));
  }
}

export function integerFlag(name: string, value: string | undefined, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (!/^-?\d+$/.test(value.trim())) throw new UsageError(`--${name} expects a whole number, received ${JSON.stringify(value)}`);
  const n = Number(value);
  if (n < min || n > max) throw new UsageError(`--${name} expects a number from ${min} to ${max}, received ${n}`);
  return n;
}

export function numberFlag(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n)) throw new UsageError(`--${name} expects a number, received ${JSON.stringify(value)}`);
  if (n < min || n > max) throw new UsageError(`--${name} expects a number from ${min} to ${max}, received ${n}`);
  return n;
}

/** A `--server` value: an http(s) URL, returned without trailing slashes. */
export function serverFlag(value: string | undefined): string {
  if (!value) throw new UsageError("--server URL is required, e.g. --server http://127.0.0.1:8188");
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--server expects an http(s) URL, received ${JSON.stringify(value)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new UsageError(`--server expects an http(s) URL, received ${JSON.stringify(value)}`);
  return url.toString().replace(/\/+$/, "");
}
