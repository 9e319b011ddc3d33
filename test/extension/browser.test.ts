/**
 * The built extension bundle in headless Chromium, against a page that stands in for ComfyUI's
 * frontend (page/scripts/app.js): every node registers with the right widgets, a workflow
 * opened, edited and saved in the editor converts to the same prompt, and queueing a graph with
 * our nodes queues nothing and shows how to run it with the imgdiff command.
 */
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser, type Page } from "playwright-core";
import { buildExtension } from "../../scripts/build-extension.js";
import { defaultRegistry } from "../../src/nodes/index.js";
import { apiToUi } from "../../src/graph/api-to-ui.js";
import { uiToApi } from "../../src/graph/ui-to-api.js";
import type { ApiPrompt } from "../../src/graph/api-prompt.js";
import type { InputWire } from "../../src/graph/object-info.js";
import { serveFiles, type StaticServer } from "./static-server.js";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const info = defaultRegistry().objectInfo();
const WORKFLOWS = ["synthetic-object-removal", "synthetic-object-replacement"] as const;

interface Registered {
  title: string;
  category: string;
  virtual: boolean;
  color: string | null;
  bgcolor: string | null;
  widgets: { name: string; type: string; value: unknown; options: Record<string, unknown>; tooltip: string | null }[];
  inputs: { name: string; type: string }[];
  outputs: { name: string; type: string }[];
}

let dir: string;
let bundle: string;
let server: StaticServer;
let browser: Browser;
const problems: string[] = [];

async function openPage(query = ""): Promise<Page> {
  const page = await browser.newPage();
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning") problems.push(`${message.type()}: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  await page.goto(`${server.origin}/${query}`);
  await page.waitForFunction(() => (globalThis as { booted?: boolean }).booted === true);
  return page;
}

const promptOf = async (name: string) => JSON.parse(await readFile(join(here("../../workflows"), `${name}.json`), "utf8")) as ApiPrompt;
/** What a prompt runs: class types and inputs by node id (titles and _meta aside). */
const essence = (prompt: Record<string, { class_type: string; inputs: unknown }>) =>
  Object.fromEntries(Object.entries(prompt).map(([id, n]) => [id, { class_type: n.class_type, inputs: n.inputs }]));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgdiff-extension-"));
  bundle = await buildExtension(join(dir, "js"));
  server = await serveFiles({
    "/": here("page/index.html"),
    "/scripts/app.js": here("page/scripts/app.js"),
    "/extensions/comfyui-imgdiff/imgdiff.js": bundle,
  });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("the extension bundle", () => {
  it("is one small ES module that imports only the frontend's /scripts/app.js", async () => {
    const source = await readFile(bundle, "utf8");
    expect((await stat(bundle)).size).toBeLessThan(40_000);
    const imports = [...source.matchAll(/\bimport\s*(?:[\w{}\s,*]+from\s*)?["']([^"']+)["']/g)].map((m) => m[1]);
    expect(imports).toEqual(["/scripts/app.js"]);
    expect(source).not.toMatch(/\bnode:|\bsharp\b|\brequire\(/);
  });
});

describe("in the editor", () => {
  let page: Page;
  let registered: Record<string, Registered>;
  beforeAll(async () => {
    page = await openPage();
    registered = await page.evaluate(async () => {
      const { editor } = (globalThis as any).comfy;
      return editor.registered();
    });
  });

  it("registers every node of the registry next to the server's nodes", () => {
    expect(Object.keys(registered).sort()).toEqual([...Object.keys(info), "EmptyImage", "PreviewImage"].sort());
  });

  for (const [type, def] of Object.entries(info)) {
    it(`${type}: title, category, colours, virtual, and widgets as the definition says`, () => {
      const node = registered[type]!;
      expect(node.title).toBe(def.display_name);
      expect(node.category).toBe(def.category);
      expect(node.virtual).toBe(true);
      expect([node.color, node.bgcolor]).toEqual(["#2b5a64", "#1c3b42"]);

      const expected: { name: string; type: string; value: unknown; extra: Record<string, unknown>; tooltip: string | null }[] = [];
      const sockets: { name: string; type: string }[] = [];
      const order = [...(def.input_order?.required ?? []), ...(def.input_order?.optional ?? [])];
      for (const name of order) {
        const [head, options = {}] = (def.input.required?.[name] ?? def.input.optional?.[name]) as InputWire;
        const o = options as Record<string, unknown>;
        const tooltip = (o["tooltip"] as string | undefined) ?? null;
        if (Array.isArray(head)) expected.push({ name, type: "combo", value: o["default"], extra: { values: head }, tooltip });
        else if (head === "INT" || head === "FLOAT") {
          expected.push({ name, type: "number", value: o["default"], extra: { min: o["min"], max: o["max"] }, tooltip });
          if (o["control_after_generate"]) {
            expected.push({ name: "control_after_generate", type: "combo", value: o["control_after_generate"], extra: { serialize: false }, tooltip: null });
          }
        } else if (head === "STRING") expected.push({ name, type: o["multiline"] ? "customtext" : "text", value: o["default"], extra: {}, tooltip });
        else if (head === "BOOLEAN") expected.push({ name, type: "toggle", value: o["default"], extra: {}, tooltip });
        else sockets.push({ name, type: head as string });
      }
      expect(node.widgets.map((w) => w.name)).toEqual(expected.map((w) => w.name));
      node.widgets.forEach((widget, i) => {
        const want = expected[i]!;
        expect(widget.type, widget.name).toBe(want.type);
        expect(widget.value, widget.name).toEqual(want.value);
        expect(widget.options, widget.name).toMatchObject(want.extra);
        expect(widget.tooltip, widget.name).toBe(want.tooltip);
      });
      expect(node.inputs).toEqual(sockets);
      expect(node.outputs).toEqual(def.output.map((t, i) => ({ name: def.output_name![i], type: t })));
    });
  }

  it("leaves the server's own nodes alone", () => {
    expect(registered["EmptyImage"]).toMatchObject({ virtual: false, color: null, category: "image" });
  });

  for (const name of WORKFLOWS) {
    it(`${name}.ui.json (the example workflow): opened, edited (moved, resized, collapsed) and saved, it converts to the same prompt`, async () => {
      const prompt = await promptOf(name);
      const ui = JSON.parse(await readFile(join(here("../../workflows"), `${name}.ui.json`), "utf8")) as ReturnType<typeof apiToUi>["workflow"];
      const saved = await page.evaluate(async (workflow) => {
        const { editor, app } = (globalThis as any).comfy;
        const missing = editor.load(workflow);
        for (const node of app.rootGraph.nodes) {
          node.pos = [node.pos[0] + 100, node.pos[1] + 40];
          node.size = [node.size[0] + 20, node.size[1]];
        }
        app.rootGraph.nodes[0].flags = { collapsed: true };
        return { missing, workflow: editor.save() };
      }, ui);
      expect(saved.missing).toEqual([]);
      expect(saved.workflow.nodes.map((n: { widgets_values: unknown[] }) => n.widgets_values)).toEqual(ui.nodes.map((n) => n.widgets_values));
      // The same prompt as the file opened (the editor fills optional inputs the file left out with their defaults).
      expect(uiToApi(saved.workflow, info).prompt).toEqual(uiToApi(ui, info).prompt);
      expect(essence(uiToApi(saved.workflow, info).prompt)).toMatchObject(essence(prompt));
    });
  }

  it("queues a graph without ImgDiff nodes as before", async () => {
    const queued = await page.evaluate(async () => {
      const { app, api, LiteGraph } = (globalThis as any).comfy;
      app.rootGraph.clear();
      const empty = app.rootGraph.add(LiteGraph.createNode("EmptyImage"));
      const preview = app.rootGraph.add(LiteGraph.createNode("PreviewImage"));
      app.rootGraph.links.push([1, empty.id, 0, preview.id, 0, "IMAGE"]);
      preview.inputs[0].link = 1;
      const before = api.queued.length;
      const accepted = await app.queuePrompt(0, 1);
      return { accepted, sent: api.queued.slice(before).map((d: { output: unknown }) => d.output), notice: (globalThis as any).document.getElementById("imgdiff-run-notice") !== null };
    });
    expect(queued.accepted).toBe(true);
    expect(queued.notice).toBe(false);
    expect(queued.sent).toEqual([
      { "1": { class_type: "EmptyImage", inputs: { width: 512, height: 512 }, _meta: { title: "EmptyImage" } }, "2": { class_type: "PreviewImage", inputs: { images: ["1", 0] }, _meta: { title: "Preview Image" } } },
    ]);
  });

  it("queueing a graph with ImgDiff nodes sends nothing and explains how to run it, with the workflow in API format", async () => {
    const prompt = await promptOf("synthetic-object-removal");
    const ui = apiToUi(prompt, info).workflow;
    const result = await page.evaluate(async (workflow) => {
      const { editor, app, api } = (globalThis as any).comfy;
      editor.load(workflow);
      const before = api.queued.length;
      const accepted = await app.queuePrompt(0, 1);
      const dialog = (globalThis as any).document.getElementById("imgdiff-run-notice");
      return {
        accepted,
        sent: api.queued.length - before,
        open: dialog?.open ?? false,
        text: dialog?.textContent ?? "",
        command: dialog?.querySelector('[data-role="command"]')?.textContent ?? "",
        stillVirtual: app.rootGraph.nodes.every((n: { isVirtualNode?: boolean }) => n.isVirtualNode === true),
      };
    }, ui);
    expect(result.accepted).toBe(false);
    expect(result.sent).toBe(0);
    expect(result.open).toBe(true);
    expect(result.text).toContain("ImgDiff nodes run outside ComfyUI");
    expect(result.text).toContain("6 ImgDiff nodes (Prompt pair #1,");
    expect(result.command).toBe("imgdiff run synthetic-object-removal.api.json --count 100 --out synthetic-object-removal-dataset");
    expect(result.stillVirtual).toBe(true);

    const [download] = await Promise.all([page.waitForEvent("download"), page.click('[data-role="download"]')]);
    expect(download.suggestedFilename()).toBe("synthetic-object-removal.api.json");
    const exported = JSON.parse(await readFile((await download.path())!, "utf8"));
    expect(essence(exported)).toEqual(essence(uiToApi(ui, info).prompt));
    expect(essence(exported)).toMatchObject(essence(prompt));
  });

  it("does not count muted or bypassed ImgDiff nodes", async () => {
    const result = await page.evaluate(async () => {
      const { app, LiteGraph } = (globalThis as any).comfy;
      (globalThis as any).document.getElementById("imgdiff-run-notice")?.remove();
      app.rootGraph.clear();
      app.rootGraph.add(LiteGraph.createNode("EmptyImage"));
      app.rootGraph.add(LiteGraph.createNode("ImgDiff.PromptPair")).mode = 2;
      app.rootGraph.add(LiteGraph.createNode("ImgDiff.DifferenceArea")).mode = 4;
      return { accepted: await app.queuePrompt(0, 1), notice: (globalThis as any).document.getElementById("imgdiff-run-notice") !== null };
    });
    expect(result).toEqual({ accepted: true, notice: false });
  });

  it("logged no errors or warnings", () => {
    expect(problems).toEqual([]);
  });
});

describe("on a server that defines one of our types itself", () => {
  it("keeps the server's definition and does not make that node virtual", async () => {
    const page = await openPage("?shadow");
    const registered: Record<string, Registered> = await page.evaluate(async () => {
      const { editor } = (globalThis as any).comfy;
      return editor.registered();
    });
    expect(registered["ImgDiff.PairFilter"]).toMatchObject({ title: "Server pair filter", virtual: false, color: null });
    expect(registered["ImgDiff.PromptPair"]).toMatchObject({ virtual: true });
    expect(problems).toEqual([]);
    await page.close();
  });
});
