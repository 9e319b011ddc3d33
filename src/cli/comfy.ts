/**
 * imgdiff comfy run | info: drive a ComfyUI server directly with our client.
 * `run` uploads --input files (content-hash names), substitutes them into the LoadImage /
 * LoadImageMask inputs that named them, runs the prompt exactly once, downloads every output
 * image into DIR and prints a JSON summary. Errors name node id, class and error type.
 */
import { readFile, stat } from "node:fs/promises";
import { basename, resolve } from "node:path";
import { parse, integerFlag, serverFlag } from "./args.js";
import { UsageError } from "./usage-error.js";
import { readJsonFile } from "./read-json.js";
import { ComfyClient } from "../client/client.js";
import { ComfyExecutionError, ComfyValidationError } from "../client/errors.js";
import { ApiPromptSchema, type ApiPrompt } from "../graph/api-prompt.js";
import { ensureOutputDir, writeFileAtomic } from "../dataset/atomic.js";
import { resolveInside, safeName } from "../dataset/safe-path.js";
import { GraphError } from "../run/errors.js";
import { isUiWorkflow } from "../graph/ui-workflow.js";
import { uiToApi } from "../graph/ui-to-api.js";
import { ImgDiffError } from "../errors.js";
import { comfyInstall } from "./comfy-install.js";

export const COMFY_USAGE =
  "imgdiff comfy run <workflow.json> --server URL --out DIR [--input NAME=PATH ...] [--timeout S]\n       imgdiff comfy info --server URL\n       imgdiff comfy install --comfyui-dir PATH [--link]";

/** Nodes whose `image` widget names a file in the server's input folder. */
const IMAGE_LOADERS = new Set(["LoadImage", "LoadImageMask"]);

export async function comfyCommand(argv: readonly string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === "run") return comfyRun(rest);
  if (sub === "info") return comfyInfo(rest);
  if (sub === "install") return comfyInstall(rest);
  throw new UsageError(sub === undefined ? "expected a subcommand: run, info or install" : `unknown subcommand ${JSON.stringify(sub)}: expected run, info or install`);
}

/** The prompt to queue; a UI-format workflow is converted against the server's own node definitions. */
async function readPrompt(value: unknown, file: string, client: ComfyClient): Promise<ApiPrompt> {
  if (isUiWorkflow(value)) {
    const { prompt, warnings } = uiToApi(value, await client.objectInfo(), file);
    for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
    return prompt;
  }
  const body = typeof value === "object" && value !== null && "prompt" in value ? (value as { prompt: unknown }).prompt : value;
  const parsed = ApiPromptSchema.safeParse(body);
  if (!parsed.success) {
    throw new GraphError("WORKFLOW_MALFORMED", `${file} is not a valid API-format workflow`, parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`));
  }
  return parsed.data;
}

async function comfyRun(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    server: { type: "string" },
    out: { type: "string" },
    input: { type: "string", multiple: true },
    timeout: { type: "string" },
  });
  if (positionals.length !== 1) throw new UsageError(`expected one workflow file, received ${positionals.length}`);
  if (!values.out) throw new UsageError("--out DIR is required");
  const server = serverFlag(values.server);
  const timeoutMs = integerFlag("timeout", values.timeout, 600, 1, 7 * 24 * 3600) * 1000;
  const file = positionals[0]!;
  const workflow = await readJsonFile(file);
  const inputs = (values.input ?? []).map((spec) => {
    const at = spec.indexOf("=");
    if (at <= 0 || at === spec.length - 1) throw new UsageError(`--input expects NAME=PATH, received ${JSON.stringify(spec)}`);
    return { name: spec.slice(0, at), path: spec.slice(at + 1) };
  });
  const outputDir = await ensureOutputDir(resolve(values.out));

  const client = new ComfyClient({ baseUrl: server });
  try {
    const prompt = await readPrompt(workflow, file, client);
    for (const input of inputs) {
      const targets = Object.entries(prompt).filter(([, node]) => IMAGE_LOADERS.has(node.class_type) && node.inputs["image"] === input.name);
      if (targets.length === 0) {
        throw new ImgDiffError("INPUT_NOT_USED", `--input ${input.name}: no LoadImage or LoadImageMask node has image = ${JSON.stringify(input.name)} in ${file}`);
      }
      const bytes = await readLocalFile(input.path);
      const uploaded = await client.uploadImage(bytes, { name: basename(input.path) });
      const serverName = uploaded.subfolder ? `${uploaded.subfolder}/${uploaded.name}` : uploaded.name;
      for (const [, node] of targets) node.inputs["image"] = serverName;
    }
    const result = await client.run(prompt, { timeoutMs });
    const outputs: Record<string, string[]> = {};
    for (const [nodeId, output] of Object.entries(result.outputs)) {
      const files: string[] = [];
      for (const image of output.images) {
        const name = `${safeName(nodeId)}_${safeName(image.filename)}`;
        await writeFileAtomic(resolveInside(outputDir, name), image.bytes);
        files.push(name);
      }
      outputs[nodeId] = files;
    }
    const summary = {
      prompt_id: result.promptId,
      server,
      outputs,
      ...(result.nodeErrors && Object.keys(result.nodeErrors).length ? { node_errors: result.nodeErrors } : {}),
      timings: result.timings,
    };
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    return 0;
  } catch (error) {
    throw describeComfyError(error);
  } finally {
    await client.close();
  }
}

async function readLocalFile(path: string): Promise<Uint8Array> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new ImgDiffError("FILE_NOT_A_FILE", `${path} is not a file`);
    return await readFile(path);
  } catch (error) {
    if (error instanceof ImgDiffError) throw error;
    throw new ImgDiffError("FILE_NOT_FOUND", `cannot read ${path}: no such file`);
  }
}

/** Server-side failures restated with node id, class and error type first. */
function describeComfyError(error: unknown): unknown {
  if (error instanceof ComfyValidationError) {
    const lines = Object.entries(error.nodeErrors).flatMap(([id, entry]) =>
      entry.errors.map((e) => `node #${id} (${entry.class_type}): ${e.type}: ${e.message}${e.details ? ` [${e.details}]` : ""}`),
    );
    return new ImgDiffError(error.code, `ComfyUI rejected the prompt (${error.errorType})${lines.length ? `:\n  - ${lines.join("\n  - ")}` : `: ${error.message}`}`);
  }
  if (error instanceof ComfyExecutionError) {
    return new ImgDiffError(error.code, `node #${error.nodeId} (${error.classType}) failed on the server: ${error.exceptionType}: ${error.exceptionMessage}`);
  }
  return error;
}

async function comfyInfo(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parse(argv, { server: { type: "string" }, json: { type: "boolean", default: false } });
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
  const server = serverFlag(values.server);
  const client = new ComfyClient({ baseUrl: server });
  try {
    const [stats, queue, info] = await Promise.all([client.systemStats(), client.queue(), client.objectInfo()]);
    const summary = {
      server,
      version: stats.system.comfyui_version ?? "unknown",
      python: stats.system.python_version ?? "unknown",
      os: stats.system.os,
      devices: stats.devices.map((d) => ({ name: d.name, type: d.type, vram_total: d.vram_total ?? null, vram_free: d.vram_free ?? null })),
      queue: { running: queue.queue_running.length, pending: queue.queue_pending.length },
      nodes: Object.keys(info).length,
    };
    if (values.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    else {
      const gib = (n: number | null) => (n === null ? "?" : `${(n / 2 ** 30).toFixed(1)} GiB`);
      process.stdout.write(
        [
          `server:  ${server}`,
          `version: ComfyUI ${summary.version} (Python ${summary.python.split(" ")[0]}, ${summary.os})`,
          ...summary.devices.map((d) => `device:  ${d.name} [${d.type}] vram ${gib(d.vram_free)} free of ${gib(d.vram_total)}`),
          `queue:   ${summary.queue.running} running, ${summary.queue.pending} pending`,
          `nodes:   ${summary.nodes}`,
        ].join("\n") + "\n",
      );
    }
    return 0;
  } finally {
    await client.close();
  }
}
