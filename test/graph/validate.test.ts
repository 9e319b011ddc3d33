import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { validatePrompt, describeValidation } from "../../src/graph/validate.js";
import { ApiPromptSchema } from "../../src/graph/api-prompt.js";
import type { ObjectInfo } from "../../src/graph/object-info.js";

const dir = join(import.meta.dirname, "../fixtures/comfyui-0.3.64");
const objectInfo = JSON.parse(readFileSync(join(dir, "object_info.json"), "utf8")) as ObjectInfo;

interface Recorded {
  request: { body: unknown };
  response: { status: number; body: { error?: { type: string }; node_errors?: Record<string, { errors: Array<{ type: string; details: string }> }> } | string };
}

/**
 * Fixtures recorded from a real ComfyUI 0.3.64. Some depend on what the server alone can know
 * (its input folder, inner exception names) and are compared on what we can know.
 */
const SERVER_ONLY_RULES = new Set(["custom_validation_failed"]);

const cases = readdirSync(join(dir, "validation"))
  .filter((f) => f.endsWith(".json"))
  .map((f) => [f, JSON.parse(readFileSync(join(dir, "validation", f), "utf8")) as Recorded] as const)
  .filter(([, r]) => typeof r.response.body === "object" && r.request.body && typeof r.request.body === "object" && "prompt" in (r.request.body as object));

describe("validatePrompt against recorded ComfyUI 0.3.64 answers", () => {
  it("has the recorded cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
  });

  for (const [file, recorded] of cases) {
    it(file, () => {
      const body = recorded.response.body as Exclude<Recorded["response"]["body"], string>;
      const parsed = ApiPromptSchema.safeParse((recorded.request.body as { prompt: unknown }).prompt);
      if (!parsed.success) {
        // The server answers invalid_prompt for a node without class_type; our schema refuses it.
        expect(body.error?.type).toBe("invalid_prompt");
        return;
      }
      const targets = (recorded.request.body as { partial_execution_targets?: string[] }).partial_execution_targets;
      const result = validatePrompt(parsed.data, objectInfo, targets ? { targets } : {});
      if (file.startsWith("v3-node-combo-not-in-list")) {
        // 0.3.64 lets a bad "COMBO"-typed value through to fail at run time; newer servers and
        // we reject it at validation, naming the input.
        expect(result.ok).toBe(false);
        expect(Object.values(result.nodeErrors).flatMap((e) => e.errors.map((x) => x.type))).toEqual(["value_not_in_list"]);
        return;
      }
      const expected = Object.entries(body.node_errors ?? {}).flatMap(([id, e]) =>
        e.errors.filter((x) => !SERVER_ONLY_RULES.has(x.type)).map((x) => `${id}:${x.type.replace("inner_", "")}`),
      );
      const actual = Object.entries(result.nodeErrors).flatMap(([id, e]) => e.errors.map((x) => `${id}:${x.type}`));
      if (body.error) {
        const serverOnly = Object.values(body.node_errors ?? {}).every((e) => e.errors.every((x) => SERVER_ONLY_RULES.has(x.type)));
        if (!serverOnly) {
          expect(result.ok).toBe(false);
          expect(result.error?.type).toBe(body.error.type);
        }
      } else {
        expect(result.ok).toBe(true);
      }
      if (body.error?.type !== "invalid_prompt") expect(actual.sort()).toEqual(expected.sort());
    });
  }
});

describe("validatePrompt beyond the server", () => {
  const info: ObjectInfo = {
    Src: { input: { required: { n: ["INT", { default: 1, min: 0, max: 10 }] } }, output: ["IMAGE"], name: "Src", output_node: false },
    Mid: { input: { required: { image: ["IMAGE"], flag: ["BOOLEAN", { default: true }] }, optional: { extra: ["IMAGE"] } }, output: ["IMAGE"], name: "Mid", output_node: false },
    Out: { input: { required: { images: ["IMAGE"], mode: [["a", "b"]] } }, output: [], name: "Out", output_node: true },
  };

  it("reports every unknown node type at once, naming each", () => {
    const result = validatePrompt(
      { "1": { class_type: "Nope1", inputs: {} }, "2": { class_type: "Nope2", inputs: {} }, "3": { class_type: "Out", inputs: { images: ["1", 0], mode: "a" } } },
      info,
    );
    expect(result.ok).toBe(false);
    expect(result.error?.message).toContain("Nope1, Nope2");
    expect(Object.keys(result.nodeErrors).sort()).toEqual(["1", "2"]);
  });

  it("finds cycles and names the nodes in them", () => {
    const result = validatePrompt(
      {
        "1": { class_type: "Mid", inputs: { image: ["2", 0], flag: true } },
        "2": { class_type: "Mid", inputs: { image: ["1", 0], flag: true } },
        "3": { class_type: "Out", inputs: { images: ["2", 0], mode: "a" } },
      },
      info,
    );
    expect(result.ok).toBe(false);
    const lines = describeValidation(result).join("\n");
    expect(lines).toMatch(/cycle/i);
    expect(lines).toMatch(/#1 -> #2 -> #1|#2 -> #1 -> #2/);
  });

  it("refuses the string 'false' for a BOOLEAN instead of reading it as true", () => {
    const result = validatePrompt(
      { "1": { class_type: "Src", inputs: { n: 1 } }, "2": { class_type: "Mid", inputs: { image: ["1", 0], flag: "false" } }, "3": { class_type: "Out", inputs: { images: ["2", 0], mode: "a" } } },
      info,
    );
    expect(result.nodeErrors["2"]?.errors[0]?.type).toBe("invalid_input_type");
  });

  it("coerces constants and unwraps __value__, and returns them per node", () => {
    const result = validatePrompt(
      { "1": { class_type: "Src", inputs: { n: "7" } }, "3": { class_type: "Out", inputs: { images: ["1", 0], mode: { __value__: "b" } } } },
      info,
    );
    expect(result.ok).toBe(true);
    expect(result.values["1"]).toEqual({ n: 7 });
    expect(result.values["3"]).toEqual({ mode: "b" });
  });

  it("names a constant given where a link is needed", () => {
    const result = validatePrompt({ "3": { class_type: "Out", inputs: { images: "picture.png", mode: "a" } } }, info);
    expect(describeValidation(result).join("\n")).toMatch(/node #3 \(Out\).*needs a link from a node that outputs IMAGE/);
  });

  it("accepts a valid graph with an absent optional input", () => {
    const result = validatePrompt(
      { "1": { class_type: "Src", inputs: { n: 3 } }, "2": { class_type: "Mid", inputs: { image: ["1", 0], flag: false } }, "3": { class_type: "Out", inputs: { images: ["2", 0], mode: "a" } } },
      info,
    );
    expect(result).toMatchObject({ ok: true, outputs: ["3"] });
    expect(result.nodeErrors).toEqual({});
  });
});
