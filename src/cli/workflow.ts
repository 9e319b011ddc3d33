/**
 * imgdiff workflow convert | validate | extract: ComfyUI workflow files between the UI and API
 * formats, checked against our nodes plus a server's (live, or a saved object_info file), and
 * read out of PNGs that SaveImage (or we) wrote.
 */
import { readFile, stat } from "node:fs/promises";
import { parse, serverFlag } from "./args.js";
import { UsageError } from "./usage-error.js";
import { readJsonFile } from "./read-json.js";
import { ImgDiffError } from "../errors.js";
import { ComfyClient } from "../client/client.js";
import { defaultRegistry } from "../nodes/index.js";
import { ApiPromptSchema, type ApiPrompt } from "../graph/api-prompt.js";
import { ObjectInfoSchema, type ObjectInfo } from "../graph/object-info.js";
import { WorkflowError, checkJsonLimits, isUiWorkflow } from "../graph/ui-workflow.js";
import { uiToApi } from "../graph/ui-to-api.js";
import { apiToUi } from "../graph/api-to-ui.js";
import { unionObjectInfo } from "../graph/union-info.js";
import { validateWorkflow } from "../graph/validate.js";
import { extractGraph } from "../graph/png-metadata.js";

export const WORKFLOW_USAGE =
  "imgdiff workflow convert <file> --to api|ui [--object-info FILE | --server URL]\n       imgdiff workflow validate <file> [--object-info FILE | --server URL]\n       imgdiff workflow extract <image.png> [--prompt]";

const MAX_PNG_BYTES = 256 * 1024 * 1024;
const NEED_NODES = "ComfyUI's own nodes are not known without a server: pass --object-info FILE (a saved GET /object_info) or --server URL";

export async function workflowCommand(argv: readonly string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === "convert") return convert(rest);
  if (sub === "validate") return validate(rest);
  if (sub === "extract") return extract(rest);
  throw new UsageError(sub === undefined ? "expected a subcommand: convert, validate or extract" : `unknown subcommand ${JSON.stringify(sub)}: expected convert, validate or extract`);
}

const SOURCE_OPTIONS = { "object-info": { type: "string" }, server: { type: "string" } } as const;

interface Sources {
  readonly info: ObjectInfo;
  /** Whether node definitions beyond our registry were given. */
  readonly external: boolean;
}

async function nodeDefinitions(values: { "object-info"?: string | undefined; server?: string | undefined }): Promise<Sources> {
  const ours = defaultRegistry().objectInfo();
  if (values["object-info"] && values.server) throw new UsageError("give --object-info or --server, not both");
  if (values["object-info"]) {
    const file = values["object-info"];
    const parsed = ObjectInfoSchema.safeParse(await readJsonFile(file));
    if (!parsed.success) {
      const first = parsed.error.issues[0]!;
      throw new ImgDiffError("OBJECT_INFO_INVALID", `${file} is not a ComfyUI object_info file (GET /object_info): ${first.path.join(".") || "(root)"}: ${first.message}`);
    }
    return { info: unionObjectInfo(ours, parsed.data as ObjectInfo), external: true };
  }
  if (values.server) {
    const client = new ComfyClient({ baseUrl: serverFlag(values.server) });
    try {
      return { info: unionObjectInfo(ours, await client.objectInfo()), external: true };
    } finally {
      await client.close();
    }
  }
  return { info: ours, external: false };
}

/** A workflow from a JSON file, or from the chunks of a PNG. */
async function readWorkflowFile(file: string): Promise<unknown> {
  const value = /\.png$/i.test(file) ? pickFromPng(await readPng(file), file) : await readJsonFile(file);
  checkJsonLimits(value, file);
  return value;
}

function pickFromPng(png: Uint8Array, file: string): unknown {
  const graph = extractGraph(png, file);
  const value = graph.workflow ?? graph.prompt;
  if (value === undefined) throw new ImgDiffError("PNG_NO_WORKFLOW", `${file} holds no workflow or prompt text chunk`);
  return value;
}

async function readPng(file: string): Promise<Uint8Array> {
  let size: number;
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new ImgDiffError("FILE_NOT_A_FILE", `${file} is not a file`);
    size = info.size;
  } catch (error) {
    if (error instanceof ImgDiffError) throw error;
    throw new ImgDiffError("FILE_NOT_FOUND", `cannot read ${file}: no such file`);
  }
  if (size > MAX_PNG_BYTES) throw new ImgDiffError("FILE_TOO_LARGE", `${file} is ${size} bytes; images over ${MAX_PNG_BYTES} bytes are refused`);
  return new Uint8Array(await readFile(file));
}

function apiPrompt(value: unknown, file: string): ApiPrompt {
  const body = typeof value === "object" && value !== null && "prompt" in value && !("class_type" in value) ? (value as { prompt: unknown }).prompt : value;
  const parsed = ApiPromptSchema.safeParse(body);
  if (!parsed.success) {
    throw new WorkflowError("WORKFLOW_MALFORMED", `${file} is neither a UI workflow nor an API prompt`, parsed.error.issues.slice(0, 20).map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`));
  }
  return parsed.data;
}

/** The API prompt of a file in either format; unknown node types get a hint when only our nodes are known. */
function toApi(value: unknown, file: string, sources: Sources): ApiPrompt {
  if (!isUiWorkflow(value)) return apiPrompt(value, file);
  try {
    const { prompt, warnings } = uiToApi(value, sources.info, file);
    for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
    return prompt;
  } catch (error) {
    if (error instanceof WorkflowError && error.code === "WORKFLOW_UNKNOWN_NODE" && !sources.external) {
      throw new WorkflowError(error.code, `${file} uses node types that imgdiff does not have; ${NEED_NODES}`, error.problems);
    }
    throw error;
  }
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

async function convert(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parse(argv, { ...SOURCE_OPTIONS, to: { type: "string" } });
  if (positionals.length !== 1) throw new UsageError(`expected one workflow file, received ${positionals.length}`);
  if (values.to !== "api" && values.to !== "ui") throw new UsageError(`--to must be api or ui, received ${JSON.stringify(values.to ?? null)}`);
  const file = positionals[0]!;
  const value = await readWorkflowFile(file);
  const sources = await nodeDefinitions(values);
  if (values.to === "ui" && isUiWorkflow(value)) {
    process.stderr.write(`${file} is already in the UI format; printed unchanged\n`);
    print(value);
    return 0;
  }
  const prompt = toApi(value, file, sources);
  if (values.to === "api") {
    print(prompt);
    return 0;
  }
  try {
    const { workflow, warnings } = apiToUi(prompt, sources.info);
    for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
    print(workflow);
  } catch (error) {
    if (error instanceof WorkflowError && error.code === "WORKFLOW_UNKNOWN_NODE" && !sources.external) {
      throw new WorkflowError(error.code, `${file} uses node types that imgdiff does not have; ${NEED_NODES}`, error.problems);
    }
    throw error;
  }
  return 0;
}

async function validate(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parse(argv, SOURCE_OPTIONS);
  if (positionals.length !== 1) throw new UsageError(`expected one workflow file, received ${positionals.length}`);
  const file = positionals[0]!;
  const value = await readWorkflowFile(file);
  const sources = await nodeDefinitions(values);
  const prompt = toApi(value, file, sources);
  const check = validateWorkflow(prompt, sources.info);
  if (!check.ok) {
    const hint = !sources.external && check.problems.some((p) => p.includes("unknown node type")) ? [NEED_NODES] : [];
    throw new WorkflowError("WORKFLOW_INVALID", `${file} has ${check.problems.length} problem(s)`, [...check.problems, ...hint]);
  }
  process.stdout.write(`${file}: valid (${Object.keys(prompt).length} nodes)\n`);
  return 0;
}

async function extract(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parse(argv, { prompt: { type: "boolean", default: false } });
  if (positionals.length !== 1) throw new UsageError(`expected one PNG file, received ${positionals.length}`);
  const file = positionals[0]!;
  const graph = extractGraph(await readPng(file), file);
  const key = values.prompt ? "prompt" : "workflow";
  const value = graph[key];
  if (value === undefined) {
    const present = Object.keys(graph);
    throw new ImgDiffError("PNG_NO_WORKFLOW", `${file} has no ${key} chunk${present.length ? ` (it has: ${present.join(", ")}${key === "workflow" ? "; try --prompt" : ""})` : " (no ComfyUI metadata at all)"}`);
  }
  print(value);
  return 0;
}
