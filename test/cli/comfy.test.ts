import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnFakeComfy } from "../support/fake-comfy/index.js";
import { runCli } from "../support/cli.js";

type Spawned = Awaited<ReturnType<typeof spawnFakeComfy>>;
let server: Spawned;
const dir = mkdtempSync(join(tmpdir(), "imgdiff-comfy-cli-"));
const write = (name: string, value: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, typeof value === "string" ? value : JSON.stringify(value));
  return path;
};

const invert = {
  "1": { class_type: "LoadImage", inputs: { image: "photo.png" } },
  "2": { class_type: "ImageInvert", inputs: { image: ["1", 0] } },
  "3": { class_type: "SaveImage", inputs: { images: ["2", 0], filename_prefix: "cli/invert" } },
};

beforeAll(async () => {
  server = await spawnFakeComfy();
  writeFileSync(join(dir, "photo.png"), await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 10, g: 100, b: 200 } } }).png().toBuffer());
});
afterAll(async () => {
  await server.close();
});

describe("imgdiff comfy run", () => {
  it("uploads --input, runs once, downloads every output image and prints a JSON summary", async () => {
    const out = join(dir, "out1");
    const r = await runCli(["comfy", "run", write("invert.json", invert), "--server", server.url, "--out", out, "--input", `photo.png=${join(dir, "photo.png")}`]);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as { prompt_id: string; outputs: Record<string, string[]> };
    expect(summary.prompt_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Object.keys(summary.outputs)).toEqual(["3"]);
    const [file] = summary.outputs["3"]!;
    expect(readdirSync(out)).toEqual([file]);
    const { data } = await sharp(readFileSync(join(out, file!))).raw().toBuffer({ resolveWithObject: true });
    // ComfyUI computes 1 - x in floats and truncates to 8 bits: 255 - v, give or take one.
    [245, 155, 55].forEach((v, i) => expect(Math.abs(data[i]! - v)).toBeLessThanOrEqual(1));
    await expect.poll(() => server.stats().executed[summary.prompt_id]).toBe(1);
  });

  it("a validation error names node id, class and error type, exit 1", async () => {
    const bad = { ...invert, "2": { class_type: "ImageScale", inputs: { image: ["1", 0], upscale_method: "supersample", width: 4, height: 4, crop: "disabled" } } };
    const r = await runCli(["comfy", "run", write("bad.json", bad), "--server", server.url, "--out", join(dir, "out2"), "--input", `photo.png=${join(dir, "photo.png")}`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/node #2 \(ImageScale\): value_not_in_list/);
  });

  it("an execution error names node id, class and exception type, exit 1", async () => {
    await server.faults.failNode("ImageInvert", "out of memory");
    // Another picture, so the server cannot answer from its cache of the first run.
    writeFileSync(join(dir, "photo2.png"), await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 1, g: 2, b: 3 } } }).png().toBuffer());
    const r = await runCli(["comfy", "run", write("invert2.json", invert), "--server", server.url, "--out", join(dir, "out3"), "--input", `photo.png=${join(dir, "photo2.png")}`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/node #2 \(ImageInvert\) failed on the server: RuntimeError: out of memory/);
  });

  it("an --input that no loader uses is refused before anything runs", async () => {
    const before = server.stats().submitted;
    const r = await runCli(["comfy", "run", write("invert3.json", invert), "--server", server.url, "--out", join(dir, "out4"), "--input", `other.png=${join(dir, "photo.png")}`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--input other\.png: no LoadImage or LoadImageMask node/);
    expect(server.stats().submitted).toBe(before);
  });
});

describe("imgdiff comfy info", () => {
  it("prints version, devices, queue and node count", async () => {
    const r = await runCli(["comfy", "info", "--server", server.url, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const info = JSON.parse(r.stdout) as { version: string; nodes: number; queue: { running: number; pending: number }; devices: unknown[] };
    expect(info.version).toBe("0.3.64");
    expect(info.nodes).toBeGreaterThan(300);
    expect(info.queue).toEqual({ running: 0, pending: 0 });
    expect(info.devices.length).toBeGreaterThan(0);
  });

  it("a server that is not there: a clear error, exit 1", async () => {
    const r = await runCli(["comfy", "info", "--server", "http://127.0.0.1:9"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/127\.0\.0\.1:9/);
  });
});
