import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { uiToApi } from "../../src/graph/ui-to-api.js";
import { embedGraph } from "../../src/graph/png-metadata.js";
import { comfyInfo, readJson } from "./ui-helpers.js";

const OBJECT_INFO = "test/fixtures/comfyui-0.3.64/object_info.json";
const SDXL = "test/fixtures/comfyui-examples/sdxl_sdxl_simple_example.workflow.json";
const RECORDED_PNG = "test/fixtures/comfyui-0.3.64/runs/basic/view-node3-invert_00001_.png";
const tmp = mkdtempSync(join(tmpdir(), "imgdiff-workflow-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("imgdiff workflow convert", () => {
  it("UI -> API against a saved object_info", async () => {
    const r = await runCli(["workflow", "convert", SDXL, "--to", "api", "--object-info", OBJECT_INFO]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(uiToApi(readJson("comfyui-examples/sdxl_sdxl_simple_example.workflow.json"), comfyInfo).prompt);
  });

  it("ComfyUI nodes without --object-info or --server: says which flag is needed", async () => {
    const r = await runCli(["workflow", "convert", SDXL, "--to", "api"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("--object-info FILE");
    expect(r.stderr).toContain("--server URL");
    expect(r.stderr).toContain("unknown node type CheckpointLoaderSimple");
  });

  it("API -> UI of our workflow gives the committed .ui.json", async () => {
    const r = await runCli(["workflow", "convert", "workflows/synthetic-object-replacement.json", "--to", "ui"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(readFileSync("workflows/synthetic-object-replacement.ui.json", "utf8")));
  });

  it("bad flags are usage errors (exit 2)", async () => {
    expect((await runCli(["workflow", "convert", SDXL, "--to", "yaml"])).code).toBe(2);
    expect((await runCli(["workflow", "validate", SDXL, "--server", "ftp://x"])).code).toBe(2);
  });
});

describe("imgdiff workflow validate", () => {
  it("imgdiff run says what the UI conversion had to guess", async () => {
    const ui = JSON.parse(readFileSync("workflows/synthetic-object-replacement.ui.json", "utf8")) as { nodes: Array<{ type: string; widgets_values: unknown[] }> };
    const writer = ui.nodes.find((n) => n.type === "ImgDiff.DatasetWriter")!;
    writer.widgets_values = writer.widgets_values.slice(0, -1); // a file saved before the last input existed
    const dir = mkdtempSync(join(tmpdir(), "imgdiff-run-warn-"));
    writeFileSync(join(dir, "old.json"), JSON.stringify(ui));
    const r = await runCli(["run", join(dir, "old.json"), "--count", "1", "--out", join(dir, "out"), "--local-workers", "0"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^warning: .*\(ImgDiff\.DatasetWriter\): no saved value for \w+ = .*; using the default$/m);
  });

  it("exit 0 for our UI workflow", async () => {
    const r = await runCli(["workflow", "validate", "workflows/synthetic-object-removal.ui.json"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("valid (6 nodes)");
  });

  it("exit 1 listing every problem, models missing from the server included", async () => {
    const broken = readJson("comfyui-examples/api_sdxl_inpaint_replace.json") as Record<string, { class_type: string; inputs: Record<string, unknown> }>;
    broken["99"] = { class_type: "SomeCustomNode", inputs: {} };
    const file = join(tmp, "broken.json");
    writeFileSync(file, JSON.stringify(broken));
    const r = await runCli(["workflow", "validate", file, "--object-info", OBJECT_INFO]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("ckpt_name 'sd_xl_base_1.0.safetensors' is not on the server");
    expect(r.stderr).toContain("node #99 (SomeCustomNode): unknown node type SomeCustomNode");
  });
});

describe("imgdiff workflow extract", () => {
  it("prints the embedded workflow, or the prompt with --prompt", async () => {
    const ui = readFileSync("workflows/synthetic-object-removal.ui.json", "utf8");
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: "#808080" } }).png().toBuffer();
    const file = join(tmp, "tagged.png");
    writeFileSync(file, embedGraph(png, { workflow: JSON.parse(ui), prompt: { "1": { class_type: "X", inputs: {} } } }));
    const r = await runCli(["workflow", "extract", file]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(ui));
    const p = await runCli(["workflow", "extract", file, "--prompt"]);
    expect(JSON.parse(p.stdout)).toEqual({ "1": { class_type: "X", inputs: {} } });
  });

  it("ComfyUI output without a workflow chunk: points to --prompt", async () => {
    const r = await runCli(["workflow", "extract", RECORDED_PNG]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("has no workflow chunk (it has: prompt; try --prompt)");
    const p = await runCli(["workflow", "extract", RECORDED_PNG, "--prompt"]);
    expect(p.code).toBe(0);
    expect(JSON.parse(p.stdout)["2"].class_type).toBe("ImageInvert");
  });
});

describe("hostile input", () => {
  it("a PNG without chunks, a non-PNG, deep and huge JSON are refused with clear messages", async () => {
    const plain = join(tmp, "plain.png");
    writeFileSync(plain, await sharp({ create: { width: 4, height: 4, channels: 3, background: "#000" } }).png().toBuffer());
    const notPng = join(tmp, "fake.png");
    writeFileSync(notPng, "<html>not an image</html>");
    const deep = join(tmp, "deep.json");
    writeFileSync(deep, `{"nodes":[],"extra":${"[".repeat(5000)}${"]".repeat(5000)}}`);
    const huge = join(tmp, "huge.json");
    writeFileSync(huge, `{"nodes":[],"pad":"${"x".repeat(17 * 1024 * 1024)}"}`);
    const [a, b, c, d] = await Promise.all([
      runCli(["workflow", "extract", plain]),
      runCli(["workflow", "extract", notPng]),
      runCli(["workflow", "convert", deep, "--to", "api"]),
      runCli(["workflow", "validate", huge]),
    ]);
    expect([a.code, b.code, c.code, d.code]).toEqual([1, 1, 1, 1]);
    expect(a.stderr).toContain("no ComfyUI metadata at all");
    expect(b.stderr).toContain("is not a PNG file");
    expect(c.stderr).toContain("nested more than 64 levels deep");
    expect(d.stderr).toMatch(/JSON files over \d+ bytes are refused/);
    for (const r of [a, b, c, d]) expect(r.stderr).not.toContain("unexpected error");
  });
});
