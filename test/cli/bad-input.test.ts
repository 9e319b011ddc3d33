import { mkdtempSync, writeFileSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { pngClaimingSize } from "../support/png-header.js";

const dir = mkdtempSync(join(tmpdir(), "imgdiff-cli-"));
const file = (name: string, data: string | Uint8Array) => {
  const path = join(dir, name);
  writeFileSync(path, data);
  return path;
};

const validWorkflow = JSON.parse(readFileSync(join(import.meta.dirname, "../../workflows/synthetic-object-replacement.json"), "utf8")) as Record<string, { class_type: string; inputs: Record<string, unknown> }>;

beforeAll(async () => {
  const solid = (w: number, h: number) => sharp({ create: { width: w, height: h, channels: 3, background: "#3a7" } }).png().toBuffer();
  file("a.png", await solid(64, 64));
  file("b.png", await sharp({ create: { width: 64, height: 64, channels: 3, background: "#3a7" } }).composite([{ input: await sharp({ create: { width: 20, height: 20, channels: 3, background: "#f00" } }).png().toBuffer(), left: 30, top: 10 }]).png().toBuffer());
  file("small.png", await solid(32, 64));
  file("empty.png", "");
  file("text.png", "this is not an image at all");
  const png = await solid(64, 64);
  file("truncated.png", png.subarray(0, Math.floor(png.length / 2)));
  // A header that claims 100000 x 100000 pixels: refused before any decoding.
  file("huge.png", pngClaimingSize(100_000, 100_000));
});

describe("imgdiff diff", () => {
  it("finds the changed square and prints the documented JSON", async () => {
    const r = await runCli(["diff", join(dir, "a.png"), join(dir, "b.png"), "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as { width: number; height: number; boxes: Array<{ box: number[]; score: number }> };
    expect(result.width).toBe(64);
    expect(result.height).toBe(64);
    expect(result.boxes.length).toBe(1);
    const [x1, y1, x2, y2] = result.boxes[0]!.box as [number, number, number, number];
    expect(Math.abs(x1 - 30)).toBeLessThanOrEqual(3);
    expect(Math.abs(y1 - 10)).toBeLessThanOrEqual(3);
    expect(Math.abs(x2 - 50)).toBeLessThanOrEqual(3);
    expect(Math.abs(y2 - 30)).toBeLessThanOrEqual(3);
  });

  for (const [name, pattern] of [
    ["empty.png", /empty\.png.*empty/i],
    ["text.png", /text\.png/],
    ["truncated.png", /truncated\.png/],
    ["huge.png", /huge\.png.*(pixels|large)/i],
    ["small.png", /size|32x64|64x32/i],
    ["missing.png", /missing\.png: no such file/],
  ] as const) {
    it(`refuses ${name} with a message naming it`, async () => {
      const r = await runCli(["diff", join(dir, "a.png"), join(dir, name), "--json"]);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(pattern);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    });
  }

  it("--pairs: one line per pair in order; a bad pair gets an error line and the rest finish", async () => {
    const pairs = file(
      "pairs.jsonl",
      [
        JSON.stringify({ id: "p1", a: "a.png", b: "b.png" }),
        JSON.stringify({ id: "p2", a: "a.png", b: "text.png" }),
        "{not json",
        JSON.stringify({ id: "p4", a: "a.png", b: "a.png" }),
      ].join("\n"),
    );
    const r = await runCli(["diff", "--pairs", pairs, "--json"]);
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { id: string | null; boxes?: unknown[]; error?: { code: string; message: string } });
    expect(lines.map((l) => l.id)).toEqual(["p1", "p2", null, "p4"]);
    expect(lines[0]!.boxes).toHaveLength(1);
    expect(lines[1]!.error?.message).toMatch(/text\.png/);
    expect(lines[2]!.error?.message).toMatch(/line 3/);
    expect(lines[3]!.boxes).toEqual([]);
  });

  it("wrong arguments exit 2 with the usage", async () => {
    const r = await runCli(["diff", join(dir, "a.png")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/usage: imgdiff diff/);
  });
});

describe("imgdiff run: bad workflows and outputs", () => {
  const run = (workflowFile: string, out = join(dir, "out")) => runCli(["run", workflowFile, "--count", "2", "--out", out]);

  it("malformed JSON names the file", async () => {
    const r = await run(file("broken.json", '{"1": {"class_type": '));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/broken\.json is not valid JSON/);
  });

  it("an unknown node type names the node and the type", async () => {
    const wf = structuredClone(validWorkflow);
    wf["3"]!.class_type = "ImgDiff.NoSuchNode";
    const r = await run(file("unknown.json", JSON.stringify(wf)));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/node #3: unknown node type ImgDiff\.NoSuchNode/);
  });

  it("a missing required input names node, class and input", async () => {
    const wf = structuredClone(validWorkflow);
    delete wf["3"]!.inputs["max_boxes"];
    const r = await run(file("missing.json", JSON.stringify(wf)));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/node #3 \(ImgDiff\.DifferenceArea\): Required input is missing \[max_boxes\]/);
  });

  it("a cycle is named", async () => {
    const wf = structuredClone(validWorkflow);
    wf["3"]!.inputs["image_a"] = ["4", 0];
    const r = await run(file("cycle.json", JSON.stringify(wf)));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cycle/i);
  });

  it("an output folder that is a file is refused, and the file is untouched", async () => {
    const blocker = file("not-a-folder", "keep me");
    const r = await run(join(import.meta.dirname, "../../workflows/synthetic-object-replacement.json"), blocker);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not-a-folder/);
    expect(readFileSync(blocker, "utf8")).toBe("keep me");
  });

  it("a workflow that is not there", async () => {
    const r = await run(join(dir, "nope.json"));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/nope\.json: no such file/);
    expect(existsSync(join(dir, "out"))).toBe(false);
  });
});
