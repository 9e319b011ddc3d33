import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { blocked, defineNode } from "../../src/nodes/define.js";
import { boolean, int, output, socket, string } from "../../src/nodes/inputs.js";
import { createRegistry } from "../../src/nodes/registry.js";
import { parsePrompt, prepareGraph } from "../../src/run/graph.js";
import { executeSample } from "../../src/run/execute-sample.js";
import { runBatch } from "../../src/run/batch.js";
import { GraphError } from "../../src/run/errors.js";

const calls: string[] = [];

const Source = defineNode({
  type: "Test.Source",
  category: "test",
  description: "emits its seed",
  inputs: { seed: int({ default: 0, min: 0, max: 1000, control_after_generate: "increment" }) },
  outputs: { value: output("INT") },
  run: ({ seed }, ctx) => {
    calls.push(`source:${ctx.sampleIndex}`);
    return { value: seed };
  },
});
const Gate = defineNode({
  type: "Test.Gate",
  category: "test",
  description: "blocks odd values, throws on 13",
  inputs: { value: socket("INT"), enabled: boolean({ default: true }) },
  outputs: { value: output("INT") },
  run: ({ value, enabled }) => {
    if (value === 13) throw new Error("unlucky");
    if (enabled && value % 2 === 1) return blocked("odd", { value });
    return { value };
  },
});
const Sink = defineNode({
  type: "Test.Sink",
  category: "test",
  description: "collects values",
  inputs: { value: socket("INT"), label: string({ default: "" }) },
  outputs: {},
  outputNode: true,
  run: ({ value, label }, ctx) => {
    const seen = ctx.runState(() => [] as number[]);
    seen.push(value);
    return { ui: { value, label } };
  },
  finalize: async (ctx) => ({ total: ctx.runState(() => [] as number[]).length }),
});
const registry = createRegistry([Source, Gate, Sink]);
const out = mkdtempSync(join(tmpdir(), "imgdiff-exec-"));

const workflow = (extra: Record<string, unknown> = {}) =>
  parsePrompt({
    "1": { class_type: "Test.Source", inputs: { seed: 10 }, ...extra },
    "2": { class_type: "Test.Gate", inputs: { value: ["1", 0], enabled: true } },
    "3": { class_type: "Test.Sink", inputs: { value: ["2", 0], label: "x" } },
  });

describe("executeSample", () => {
  it("runs each node once in dependency order and reports the output node", async () => {
    calls.length = 0;
    const graph = prepareGraph(workflow(), registry);
    expect(graph.nodes.map((n) => n.id)).toEqual(["1", "2", "3"]);
    const outcome = await executeSample(graph, { sampleIndex: 0, runSeed: 0, outputDir: out, state: new Map() });
    expect(outcome).toMatchObject({ status: "done", reports: { "3": { value: 10, label: "x" } } });
    expect(calls).toEqual(["source:0"]);
  });

  it("a blocked node filters the sample with its reason, and its downstream does not run", async () => {
    const graph = prepareGraph(workflow(), registry);
    const state = new Map();
    const outcome = await executeSample(graph, { sampleIndex: 1, runSeed: 0, outputDir: out, state });
    expect(outcome).toMatchObject({ status: "filtered", reason: "odd", nodeId: "2", classType: "Test.Gate", detail: { value: 11 } });
    expect(state.has("3")).toBe(false);
  });

  it("a throwing node fails the sample with an error naming node id and class", async () => {
    const graph = prepareGraph(workflow(), registry);
    const outcome = await executeSample(graph, { sampleIndex: 3, runSeed: 0, outputDir: out, state: new Map() });
    expect(outcome.status).toBe("failed");
    if (outcome.status === "failed") expect(outcome.error.message).toBe("node #2 (Test.Gate) failed: unlucky");
  });

  it("seed widgets follow their control mode, overridable per node in _meta", async () => {
    const values = async (meta?: Record<string, unknown>) => {
      const graph = prepareGraph(workflow(meta ? { _meta: { control_after_generate: meta } } : {}), createRegistry([Source, Gate, Sink]));
      const ungated = { ...graph, nodes: graph.nodes.map((n) => (n.id === "2" ? { ...n, constants: { enabled: false } } : n)) };
      const result: number[] = [];
      for (const i of [0, 1, 2]) {
        const o = await executeSample(ungated, { sampleIndex: i, runSeed: 5, outputDir: out, state: new Map() });
        if (o.status === "done") result.push(o.reports["3"]!["value"] as number);
        else result.push(-1);
      }
      return result;
    };
    expect(await values()).toEqual([10, 11, 12]);
    expect(await values({ seed: "fixed" })).toEqual([10, 10, 10]);
    expect(await values({ seed: "decrement" })).toEqual([10, 9, 8]);
    const random = await values({ seed: "randomize" });
    expect(new Set(random).size).toBe(3);
    expect(await values({ seed: "randomize" })).toEqual(random);
  });
});

describe("runBatch", () => {
  it("counts accepted, filtered by reason and failed, finalizes once, and keeps going past failures", async () => {
    const graph = prepareGraph(workflow(), registry);
    const summary = await runBatch(graph, { count: 6, concurrency: 3, outputDir: out });
    // seeds 10..15: 10,12,14 accepted; 11,15 odd; 13 throws
    expect(summary.accepted).toBe(3);
    expect(summary.filtered).toEqual({ odd: 2 });
    expect(summary.failed).toEqual([{ index: 3, nodeId: "2", classType: "Test.Gate", code: "EXCEPTION", message: "node #2 (Test.Gate) failed: unlucky" }]);
    expect(summary.finalized).toEqual({ "3": { total: 3 } });
  });
});

describe("prepareGraph errors", () => {
  const problems = (value: unknown) => {
    try {
      prepareGraph(parsePrompt(value, "wf.json"), registry, "wf.json");
    } catch (error) {
      expect(error).toBeInstanceOf(GraphError);
      return { code: (error as GraphError).code, message: (error as GraphError).message };
    }
    throw new Error("expected a GraphError");
  };

  it("unknown node type: names the node and lists the known types", () => {
    const e = problems({ "1": { class_type: "Nope", inputs: {} }, "3": { class_type: "Test.Sink", inputs: { value: ["1", 0], label: "" } } });
    expect(e.code).toBe("WORKFLOW_UNKNOWN_NODE");
    expect(e.message).toContain("node #1: unknown node type Nope");
    expect(e.message).toContain("Test.Source");
  });

  it("missing required input: names node, class and input", () => {
    const e = problems({ "1": { class_type: "Test.Source", inputs: {} }, "3": { class_type: "Test.Sink", inputs: { value: ["1", 0], label: "" } } });
    expect(e.code).toBe("WORKFLOW_INVALID");
    expect(e.message).toContain("node #1 (Test.Source): Required input is missing [seed]");
  });

  it("cycle", () => {
    const e = problems({
      "1": { class_type: "Test.Gate", inputs: { value: ["2", 0], enabled: true } },
      "2": { class_type: "Test.Gate", inputs: { value: ["1", 0], enabled: true } },
      "3": { class_type: "Test.Sink", inputs: { value: ["2", 0], label: "" } },
    });
    expect(e.message).toMatch(/Dependency cycle detected/);
  });

  it("malformed: not an object, or class_type missing", () => {
    expect(problems([1, 2]).code).toBe("WORKFLOW_MALFORMED");
    const e = problems({ "7": { inputs: {} } });
    expect(e.code).toBe("WORKFLOW_MALFORMED");
    expect(e.message).toContain("node #7 class_type");
  });

  it("a UI-format workflow is converted; an empty one has no outputs", () => {
    const e = problems({ nodes: [], links: [], version: 0.4 });
    expect(e.code).toBe("WORKFLOW_INVALID");
    expect(e.message).toMatch(/Prompt has no outputs/);
  });

  it("a value out of range", () => {
    const e = problems({ "1": { class_type: "Test.Source", inputs: { seed: 5000 } }, "3": { class_type: "Test.Sink", inputs: { value: ["1", 0], label: "" } } });
    expect(e.message).toContain("node #1 (Test.Source): Value 5000 bigger than max of 1000 [seed]");
  });
});

describe("hostile graphs", () => {
  const chain = (n: number) => {
    const p: Record<string, unknown> = { "0": { class_type: "Test.Source", inputs: { seed: 1 } } };
    for (let i = 1; i < n; i++) p[String(i)] = { class_type: "Test.Gate", inputs: { value: [String(i - 1), 0], enabled: false } };
    p[String(n)] = { class_type: "Test.Sink", inputs: { value: [String(n - 1), 0], label: "", junk: ["no-such-node", 0] } };
    return p;
  };

  it("a chain of 9,999 nodes validates and plans without overflowing the stack; a stray link in an undeclared input is ignored", () => {
    const graph = prepareGraph(parsePrompt(chain(9_999)), registry);
    expect(graph.nodes).toHaveLength(10_000);
    expect(graph.nodes[0]!.id).toBe("0");
  });

  it("a cycle through thousands of nodes is reported briefly", () => {
    const p = chain(5_000);
    p["0"] = { class_type: "Test.Gate", inputs: { value: ["4999", 0], enabled: false } };
    let message = "";
    try {
      prepareGraph(parsePrompt(p), registry);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/Dependency cycle detected \[#\d+ -> .*\(5000 nodes in all\)/);
    expect(message.length).toBeLessThan(2000);
  });

  it("more nodes than the limit are refused before validation", () => {
    expect(() => parsePrompt(chain(10_001))).toThrow(/more than 10000 nodes are refused/);
  });
});

describe("prototype names in workflows", () => {
  it('a node id "__proto__" is refused, not silently dropped', () => {
    const text = '{"__proto__": {"class_type": "Test.Source", "inputs": {"seed": 1}}, "3": {"class_type": "Test.Sink", "inputs": {"value": ["__proto__", 0], "label": ""}}}';
    expect(() => parsePrompt(JSON.parse(text))).toThrow(/"__proto__"/);
  });

  it('a node type "constructor" is an unknown node, not a crash', () => {
    expect(() => prepareGraph(parsePrompt({ "1": { class_type: "constructor", inputs: {} }, "3": { class_type: "Test.Sink", inputs: { value: ["1", 0], label: "" } } }), registry)).toThrow(
      /unknown node type constructor/,
    );
  });
});

describe("runBatch when recording fails", () => {
  it("stops starting samples, lets those in flight finish, and throws the error", async () => {
    const graph = prepareGraph(workflow(), registry);
    const started: number[] = [];
    const run = runBatch(graph, {
      count: 20,
      concurrency: 2,
      outputDir: out,
      onStart: (i) => started.push(i),
      onSample: (outcome) => {
        if (outcome.index === 1) throw new Error("disk full");
      },
    });
    await expect(run).rejects.toThrow("disk full");
    expect(started.length).toBeLessThanOrEqual(4);
  });
});

describe("output folders", () => {
  it("two dataset writers into the same folder are refused, naming both; separate subfolders are fine", async () => {
    const { defaultRegistry } = await import("../../src/nodes/index.js");
    const { readFileSync } = await import("node:fs");
    const base = JSON.parse(readFileSync(join(import.meta.dirname, "../../workflows/synthetic-object-replacement.json"), "utf8")) as Record<string, { class_type: string; inputs: Record<string, unknown> }>;
    const twice = { ...base, "7": structuredClone(base["6"]!) };
    expect(() => prepareGraph(parsePrompt(twice), defaultRegistry())).toThrow(/node #7 \(ImgDiff\.DatasetWriter\) writes into the same folder as node #6/);
    twice["7"]!.inputs["subfolder"] = "second";
    expect(prepareGraph(parsePrompt(twice), defaultRegistry()).outputs).toEqual(["6", "7"]);
  });
});
