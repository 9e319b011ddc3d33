import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeComfy, type FakeComfy } from "../support/fake-comfy/index.js";
import { runExample } from "./support.js";

let fake: FakeComfy;
beforeAll(async () => {
  fake = await startFakeComfy({ executionMs: 0 });
});
afterAll(() => fake.close());

describe("examples/drive-comfyui.ts", () => {
  it("queues a graph on the fake ComfyUI and downloads the inverted image", { timeout: 60_000 }, async () => {
    const file = join(mkdtempSync(join(tmpdir(), "imgdiff-example-comfy-")), "inverted.png");
    const { stdout } = await runExample("drive-comfyui", [fake.url, file]);
    expect(stdout).toMatch(/^server: ComfyUI 0\.3\.64/m);
    expect(stdout).toMatch(/^executed node 3$/m);
    expect(stdout).toMatch(/^saved imgdiff-example\/inverted_00001_\.png \(output, \d+ bytes\)$/m);
    const promptId = /^prompt (\S+) done/m.exec(stdout)![1]!;
    expect(fake.stats().executed[promptId]).toBe(1);
    // 0x3366cc inverted is 0xcc9933, give or take the float32 round trip (ComfyUI truncates to uint8).
    const { data, info } = await sharp(readFileSync(file)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([64, 48]);
    [0xcc, 0x99, 0x33].forEach((want, i) => expect(Math.abs(data[i]! - want)).toBeLessThanOrEqual(1));
  });
});
