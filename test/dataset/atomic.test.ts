import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ensureOutputDir, openAtomicFile, writeFileAtomic } from "../../src/dataset/atomic.js";
import { OutputPathError } from "../../src/errors.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "imgdiff-atomic-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("writeFileAtomic", () => {
  it("writes the data and leaves no temp file", async () => {
    const target = path.join(dir, "a.json");
    await writeFileAtomic(target, "hello");
    await writeFileAtomic(target, new Uint8Array([1, 2, 3]));
    expect(await readFile(target)).toEqual(Buffer.from([1, 2, 3]));
    expect(await readdir(dir)).toEqual(["a.json"]);
  });

  it("removes its temp file when the final rename fails", async () => {
    const target = path.join(dir, "taken");
    await mkdir(target); // renaming a file over a folder fails
    await expect(writeFileAtomic(target, "x")).rejects.toThrow();
    expect(await readdir(dir)).toEqual(["taken"]);
  });

  it("fails cleanly when the folder does not exist", async () => {
    await expect(writeFileAtomic(path.join(dir, "missing", "a.txt"), "x")).rejects.toMatchObject({ code: "ENOENT" });
    expect(await readdir(dir)).toEqual([]);
  });

  it("many concurrent writers of one file leave one whole version", async () => {
    const target = path.join(dir, "same.txt");
    const versions = Array.from({ length: 20 }, (_, i) => `${i}`.repeat(10_000));
    await Promise.all(versions.map((v) => writeFileAtomic(target, v)));
    expect(versions).toContain(await readFile(target, "utf8"));
    expect(await readdir(dir)).toEqual(["same.txt"]);
  });
});

describe("openAtomicFile", () => {
  it("a file written in pieces, larger than one chunk, appears whole at commit and not before", async () => {
    const target = path.join(dir, "big.jsonl");
    await writeFile(target, "old\n");
    const file = await openAtomicFile(target);
    const line = `${"x".repeat(999)}\n`;
    for (let i = 0; i < 1000; i++) await file.write(line);
    expect(await readFile(target, "utf8")).toBe("old\n");
    await file.commit();
    expect(await readFile(target, "utf8")).toBe(line.repeat(1000));
    expect(await readdir(dir)).toEqual(["big.jsonl"]);
  });

  it("abort leaves the target as it was and no temp file", async () => {
    const target = path.join(dir, "keep.json");
    await writeFile(target, "kept");
    const file = await openAtomicFile(target);
    await file.write("x".repeat(300_000));
    await file.abort();
    expect(await readFile(target, "utf8")).toBe("kept");
    expect(await readdir(dir)).toEqual(["keep.json"]);
  });

  it("a failed commit removes its temp file", async () => {
    const target = path.join(dir, "taken");
    await mkdir(target);
    const file = await openAtomicFile(target);
    await file.write("x");
    await expect(file.commit()).rejects.toThrow();
    expect(await readdir(dir)).toEqual(["taken"]);
  });
});

describe("ensureOutputDir", () => {
  it("creates nested folders and returns the absolute path", async () => {
    const out = await ensureOutputDir(path.join(dir, "a", "b"));
    expect(out).toBe(path.join(dir, "a", "b"));
    expect(await readdir(path.join(dir, "a"))).toEqual(["b"]);
    await expect(ensureOutputDir(out)).resolves.toBe(out);
  });

  it("refuses a file where the folder should be, naming it", async () => {
    const file = path.join(dir, "out");
    await writeFile(file, "not a folder");
    await expect(ensureOutputDir(file)).rejects.toBeInstanceOf(OutputPathError);
    await expect(ensureOutputDir(file)).rejects.toMatchObject({ code: "OUTPUT_NOT_A_DIRECTORY" });
    await expect(ensureOutputDir(file)).rejects.toThrow(file);
  });

  it("refuses a path below a file", async () => {
    const file = path.join(dir, "plain");
    await writeFile(file, "x");
    await expect(ensureOutputDir(path.join(file, "sub"))).rejects.toMatchObject({ code: "OUTPUT_NOT_A_DIRECTORY" });
  });
});
