import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnFakeComfy } from "../support/fake-comfy/index.js";
import { runCli } from "../support/cli.js";
import { apiToUi } from "../../src/graph/api-to-ui.js";
import { comfyInfo } from "./ui-helpers.js";

let server: Awaited<ReturnType<typeof spawnFakeComfy>>;
const dir = mkdtempSync(join(tmpdir(), "imgdiff-workflow-server-"));
const invert = {
  "1": { class_type: "LoadImage", inputs: { image: "photo.png" }, _meta: { title: "Load Image" } },
  "2": { class_type: "ImageInvert", inputs: { image: ["1", 0] }, _meta: { title: "Invert Image" } },
  "3": { class_type: "SaveImage", inputs: { images: ["2", 0], filename_prefix: "ui/invert" }, _meta: { title: "Save Image" } },
};
const uiFile = join(dir, "invert.ui.json");

beforeAll(async () => {
  server = await spawnFakeComfy();
  writeFileSync(join(dir, "photo.png"), await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 10, g: 100, b: 200 } } }).png().toBuffer());
  writeFileSync(uiFile, JSON.stringify(apiToUi(invert, comfyInfo).workflow));
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("UI-format workflows against a server's object_info", () => {
  it("workflow convert --server and validate --server", async () => {
    const [convert, validate] = await Promise.all([
      runCli(["workflow", "convert", uiFile, "--to", "api", "--server", server.url]),
      runCli(["workflow", "validate", uiFile, "--server", server.url]),
    ]);
    expect(convert.code, convert.stderr).toBe(0);
    expect(JSON.parse(convert.stdout)).toEqual(invert);
    expect(validate.code, validate.stderr).toBe(0);
  });

  it("comfy run takes a UI-format workflow, converted with the server's node definitions", async () => {
    const out = join(dir, "out");
    const r = await runCli(["comfy", "run", uiFile, "--server", server.url, "--out", out, "--input", `photo.png=${join(dir, "photo.png")}`]);
    expect(r.code, r.stderr).toBe(0);
    expect(Object.keys((JSON.parse(r.stdout) as { outputs: Record<string, string[]> }).outputs)).toEqual(["3"]);
  });
});
