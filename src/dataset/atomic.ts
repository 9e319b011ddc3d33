import { randomBytes } from "node:crypto";
import { mkdir, open, rename, unlink } from "node:fs/promises";
import path from "node:path";
import { OutputPathError } from "../errors.js";

/**
 * Files appear whole or not at all: data goes to a temp file next to the target, is flushed to
 * disk, then renamed over the target (rename is atomic within a folder). A reader, a second
 * writer or a crash never sees half a file. Temp names start with "." and end in ".tmp", so
 * nothing that lists the output folder for results mistakes them for results.
 */

let counter = 0;

function tempPathFor(target: string): string {
  // pid + counter keep temp names unique inside one machine; the random part covers a second
  // process that reuses a pid on a shared folder. Not dataset randomness, so crypto is fine here.
  counter += 1;
  const unique = `${process.pid}.${counter}.${randomBytes(4).toString("hex")}`;
  return path.join(path.dirname(target), `.${path.basename(target).slice(0, 60)}.${unique}.tmp`);
}

/**
 * Write `data` to `target` atomically; on any failure the temp file is removed and the error
 * rethrown. `syncFolder`: also fsync the folder after the rename, so the new name itself survives
 * a power cut (for files whose presence means "done", such as a sample's record).
 */
export async function writeFileAtomic(target: string, data: string | Uint8Array, options: { syncFolder?: boolean } = {}): Promise<void> {
  const temp = tempPathFor(target);
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(temp, "wx");
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temp, target);
    if (options.syncFolder) await syncFolder(path.dirname(target));
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined); // may never have been created
    throw error;
  }
}

/** A file written piece by piece that appears whole at commit() or not at all (see writeFileAtomic). */
export interface AtomicFile {
  write(text: string): Promise<void>;
  /** Flushes and syncs the data (commit does it too); after it, only the rename is left to fail. */
  seal(): Promise<void>;
  /** Seals the file and renames it into place. */
  commit(): Promise<void>;
  /** Removes the temp file; the target is left as it was. */
  abort(): Promise<void>;
}

/** Text is gathered into chunks of about this many characters before each write. */
const CHUNK_CHARS = 256 * 1024;

/**
 * writeFileAtomic for files too large to hold as one string (a dataset index of millions of
 * samples, a report): memory stays at one chunk whatever the file's size.
 */
export async function openAtomicFile(target: string): Promise<AtomicFile> {
  const temp = tempPathFor(target);
  const handle = await open(temp, "wx");
  let pending: string[] = [];
  let size = 0;
  let sealed = false;
  let done = false;
  const flush = async () => {
    if (pending.length === 0) return;
    const text = pending.join("");
    pending = [];
    size = 0;
    // writeFile, unlike write, loops until every byte is out (a short write is not an error).
    await handle.writeFile(text);
  };
  const abort = async () => {
    if (done) return;
    done = true;
    await handle.close().catch(() => undefined); // closing a closed handle fails harmlessly
    await unlink(temp).catch(() => undefined);
  };
  const seal = async () => {
    if (sealed) return;
    try {
      await flush();
      await handle.sync();
      await handle.close();
      sealed = true;
    } catch (error) {
      await abort();
      throw error;
    }
  };
  return {
    async write(text) {
      pending.push(text);
      size += text.length;
      if (size >= CHUNK_CHARS) await flush();
    },
    seal,
    async commit() {
      await seal();
      try {
        await rename(temp, target);
        done = true;
      } catch (error) {
        await abort();
        throw error;
      }
    },
    abort,
  };
}

/**
 * Create `dir` (and its parents) if needed and return its absolute path. If it or a parent
 * exists as something other than a folder: OutputPathError OUTPUT_NOT_A_DIRECTORY naming it.
 */
export async function ensureOutputDir(dir: string): Promise<string> {
  const full = path.resolve(dir);
  try {
    await mkdir(full, { recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "EEXIST" && code !== "ENOTDIR") throw error;
    throw new OutputPathError(
      "OUTPUT_NOT_A_DIRECTORY",
      `output folder ${JSON.stringify(full)} (or one of its parents) exists but is not a folder (${code}); choose another output path or move that file`,
      { cause: error },
    );
  }
  return full;
}

async function syncFolder(dir: string): Promise<void> {
  const folder = await open(dir, "r");
  try {
    await folder.sync();
  } catch (error) {
    // Some file systems cannot fsync a folder; the rename is still atomic there.
    if (!["EINVAL", "EISDIR", "ENOTSUP", "EPERM"].includes((error as NodeJS.ErrnoException).code ?? "")) throw error;
  } finally {
    await folder.close();
  }
}
