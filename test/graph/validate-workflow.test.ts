import { describe, expect, it } from "vitest";
import { validateWorkflow } from "../../src/graph/validate.js";
import { unionObjectInfo } from "../../src/graph/union-info.js";
import type { ApiPrompt } from "../../src/graph/api-prompt.js";
import { defaultRegistry } from "../../src/nodes/index.js";
import { comfyInfo, readJson } from "./ui-helpers.js";

const union = unionObjectInfo(defaultRegistry().objectInfo(), comfyInfo);

describe("validateWorkflow against our registry plus a server's object_info", () => {
  it("accepts our workflows and an SDXL graph whose models the server has", () => {
    const replace = readJson("../../workflows/synthetic-object-replacement.json") as ApiPrompt;
    expect(validateWorkflow(replace, union)).toEqual({ ok: true, problems: [] });
    const t2i = readJson("comfyui-examples/api_sdxl_t2i.json") as ApiPrompt;
    const onServer = structuredClone(union);
    (onServer["CheckpointLoaderSimple"]!.input.required!["ckpt_name"] as unknown[])[0] = ["sd_xl_base_1.0.safetensors"];
    expect(validateWorkflow(t2i, onServer).ok).toBe(true);
  });

  it("reports every problem at once: unknown types, missing models, bad links, ranges, cycles", () => {
    const prompt = structuredClone(readJson("comfyui-examples/api_sdxl_t2i.json") as ApiPrompt);
    const ks = Object.entries(prompt).find(([, n]) => n.class_type === "KSampler")![0];
    prompt[ks]!.inputs["steps"] = 0;
    prompt["90"] = { class_type: "FancyUpscaler", inputs: { image: ["8", 0] } };
    prompt["91"] = { class_type: "ImgDiff.DifferenceArea", inputs: { image_a: ["90", 0], image_b: ["92", 0], max_boxes: 5, min_area: 0.01, nms_iou: 0.5 } };
    prompt["92"] = { class_type: "ImageInvert", inputs: { image: ["93", 0] } };
    prompt["93"] = { class_type: "ImageInvert", inputs: { image: ["92", 0] } };
    prompt["94"] = { class_type: "VAEDecode", inputs: { samples: ["77", 0], vae: ["4", 2] } };
    const check = validateWorkflow(prompt, union);
    expect(check.ok).toBe(false);
    const text = check.problems.join("\n");
    expect(text).toContain("node #90 (FancyUpscaler): unknown node type FancyUpscaler; it is neither on the server nor in imgdiff (missing custom node pack?)");
    expect(text).toMatch(/CheckpointLoaderSimple\): ckpt_name 'sd_xl_base_1.0.safetensors' is not on the server \(it has: /);
    expect(text).toContain(`node #${ks} (KSampler): Value 0 smaller than min of 1 [steps]`);
    expect(text).toContain("Dependency cycle detected");
    expect(text).toContain("node #94 (VAEDecode)");
    expect(text).toContain("links to node #77, which is not in the prompt");
    // The link from the unknown node is not reported twice.
    expect(check.problems.filter((p) => p.includes("#90"))).toHaveLength(1);
  });

  it("says when nothing would run", () => {
    const check = validateWorkflow({ "1": { class_type: "ImgDiff.PromptPair", inputs: { seed: 1, edit: "replace", category: "any" } } }, union);
    expect(check.problems).toEqual(["the workflow has no output node (e.g. SaveImage or ImgDiff.DatasetWriter), so nothing would run"]);
  });
});
