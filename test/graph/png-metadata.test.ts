import { readFileSync } from "node:fs";
import { join } from "node:path";
import { deflateSync } from "node:zlib";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { crc32, embedGraph, extractGraph, readPngText, writePngText } from "../../src/graph/png-metadata.js";
import { fixtures } from "./ui-helpers.js";

const recorded = new Uint8Array(readFileSync(join(fixtures, "comfyui-0.3.64/runs/basic/view-node3-invert_00001_.png")));
const uiWorkflow = JSON.parse(readFileSync(join(import.meta.dirname, "../../workflows/synthetic-object-removal.ui.json"), "utf8")) as unknown;
const apiPrompt = JSON.parse(readFileSync(join(import.meta.dirname, "../../workflows/synthetic-object-removal.json"), "utf8")) as unknown;

async function plainPng(): Promise<Uint8Array> {
  const raw = Buffer.alloc(16 * 8 * 3, 0).map((_, i) => (i * 37) % 256);
  return new Uint8Array(await sharp(raw, { raw: { width: 16, height: 8, channels: 3 } }).png().toBuffer());
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "latin1");
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** Inserts raw chunks right after IHDR. */
function withChunks(png: Uint8Array, ...extra: Uint8Array[]): Uint8Array {
  const ihdrEnd = 8 + 12 + 13;
  return Buffer.concat([png.subarray(0, ihdrEnd), ...extra, png.subarray(ihdrEnd)]);
}

describe("PNG workflow metadata", () => {
  it("reads the prompt chunk of a real ComfyUI 0.3.64 SaveImage output", () => {
    const graph = extractGraph(recorded, "invert.png");
    expect(graph.workflow).toBeUndefined();
    const prompt = graph.prompt as Record<string, { class_type: string; is_changed?: unknown }>;
    expect(prompt["1"]!.class_type).toBe("LoadImage");
    expect(prompt["1"]!.is_changed).toHaveLength(1);
    expect(prompt["3"]!.class_type).toBe("SaveImage");
  });

  it("writes workflow and prompt chunks that read back, and leaves the image intact", async () => {
    const png = await plainPng();
    const tagged = embedGraph(png, { workflow: uiWorkflow, prompt: apiPrompt });
    expect(extractGraph(tagged)).toEqual({ workflow: uiWorkflow, prompt: apiPrompt });
    const before = await sharp(png).raw().toBuffer();
    const after = await sharp(tagged).raw().toBuffer();
    expect(after.equals(before)).toBe(true);
    // Writing again replaces the chunks instead of adding more.
    const again = embedGraph(tagged, { prompt: { "1": { class_type: "X", inputs: {} } } });
    expect(Object.keys(readPngText(again)).sort()).toEqual(["prompt", "workflow"]);
    expect((extractGraph(again).prompt as Record<string, unknown>)["1"]).toEqual({ class_type: "X", inputs: {} });
    // Adding a workflow to ComfyUI's own output keeps the prompt it wrote.
    const both = extractGraph(embedGraph(recorded, { workflow: uiWorkflow }));
    expect(both.workflow).toEqual(uiWorkflow);
    expect(both.prompt).toEqual(extractGraph(recorded).prompt);
  });

  it("stores text that is not Latin-1 as iTXt (UTF-8)", async () => {
    const tagged = writePngText(await plainPng(), { workflow: '{"title":"猫 ✓"}' });
    expect(Buffer.from(tagged).includes(Buffer.from("iTXt"))).toBe(true);
    expect(readPngText(tagged)["workflow"]).toBe('{"title":"猫 ✓"}');
  });

  it("reads zTXt and compressed iTXt chunks", async () => {
    const z = chunk("zTXt", Buffer.concat([Buffer.from("prompt\0\0", "latin1"), deflateSync('{"a":1}')]));
    const i = chunk("iTXt", Buffer.concat([Buffer.from("workflow\0\x01\0en\0\0", "latin1"), deflateSync(Buffer.from('{"b":"é"}', "utf8"))]));
    expect(extractGraph(withChunks(await plainPng(), z, i))).toEqual({ prompt: { a: 1 }, workflow: { b: "é" } });
  });

  it("refuses non-PNG, truncated and corrupt input with stable codes", async () => {
    const code = (bytes: Uint8Array) => {
      try {
        readPngText(bytes, "x.png");
      } catch (error) {
        return (error as { code: string }).code;
      }
      return "none";
    };
    expect(code(new TextEncoder().encode("GIF89a not a png"))).toBe("PNG_INVALID");
    const png = await plainPng();
    expect(code(png.subarray(0, png.length - 5))).toBe("PNG_TRUNCATED");
    const bad = chunk("tEXt", Buffer.from("prompt\0{}", "latin1"));
    bad[bad.length - 1] = bad[bad.length - 1]! ^ 0xff;
    expect(code(withChunks(png, bad))).toBe("PNG_TEXT_CORRUPT");
    expect(extractGraph(png)).toEqual({});
    expect(() => extractGraph(withChunks(png, chunk("tEXt", Buffer.from("prompt\0{nope", "latin1"))))).toThrow(/prompt chunk is not valid JSON/);
  });
});
