/**
 * defineNode: a node is declared once, and its object_info definition, input parsing and docs
 * are derived from that declaration. This mirrors ComfyUI's INPUT_TYPES / RETURN_TYPES /
 * CATEGORY / OUTPUT_NODE, with the run function in TypeScript.
 */
import type { InputSpec, InputValues, OutputSpec, OutputValues } from "./inputs.js";
import type { Rng } from "../util/rng.js";
import type { ApiPrompt } from "../graph/api-prompt.js";
import type { ObjectInfo } from "../graph/object-info.js";

/** What a node may know about the sample and the run it works in. */
export interface NodeContext {
  readonly nodeId: string;
  readonly classType: string;
  /** Index of the sample within the run (0-based). */
  readonly sampleIndex: number;
  /** The run's seed (`--seed`). */
  readonly runSeed: number;
  /** The run's output folder; output nodes write only inside it. */
  readonly outputDir: string;
  /** The graph being run (its API prompt) and the node definitions it was validated against. */
  readonly graph: { readonly prompt: ApiPrompt; readonly objectInfo: ObjectInfo };
  readonly signal: AbortSignal;
  /** A random stream unique to (run seed, node, sample, label). */
  rng(label?: string): Rng;
  /** State shared by all samples of a run for this node, created on first use. */
  runState<T>(create: () => T): T;
}

/**
 * Returned by a node to stop its downstream nodes for this sample, as ComfyUI's
 * ExecutionBlocker does. A sample whose output nodes are all blocked counts as filtered.
 */
export interface Blocked {
  readonly blocked: true;
  readonly reason: string;
  readonly detail?: Readonly<Record<string, unknown>>;
}

export function blocked(reason: string, detail?: Readonly<Record<string, unknown>>): Blocked {
  return detail === undefined ? { blocked: true, reason } : { blocked: true, reason, detail };
}

export function isBlocked(value: unknown): value is Blocked {
  return typeof value === "object" && value !== null && (value as { blocked?: unknown }).blocked === true;
}

/** What an output node reports for a sample (ComfyUI's `ui` dictionary). */
export type NodeReport = Readonly<Record<string, unknown>>;

export interface NodeDeclaration<I extends Record<string, InputSpec>, O extends Record<string, OutputSpec>> {
  /** Class type, e.g. "ImgDiff.DifferenceArea". */
  type: string;
  displayName?: string;
  category: string;
  description: string;
  inputs: I;
  outputs: O;
  /** Output nodes are what a run executes toward (ComfyUI's OUTPUT_NODE). */
  outputNode?: boolean;
  /**
   * The run is CPU work that depends only on its inputs, the ids and the rng (no `runState`, no
   * `graph`, no files): the batch runner may run it on a worker thread of its local pool.
   */
  offload?: boolean;
  run(inputs: InputValues<I>, context: NodeContext): Promise<RunResult<O>> | RunResult<O>;
  /** Called once when a run ends, with the node's run state (e.g. to assemble dataset files). */
  finalize?(context: FinalizeContext): Promise<NodeReport | void>;
  /**
   * For an output node that owns a folder: the folder (relative to the run's output folder) its
   * widget values make it write into. Two nodes of one graph may not own the same folder, or
   * their files (named by sample index) would overwrite each other.
   */
  writesTo?(inputs: Readonly<Record<string, unknown>>): string;
}

/**
 * What finalize gets: the node's constant inputs (its widget values) as well as its run state,
 * so a node can finalize a run in which this process ran none of its samples (a resumed run whose
 * samples were all done before the crash).
 */
export interface FinalizeContext {
  readonly nodeId: string;
  readonly outputDir: string;
  readonly inputs: Readonly<Record<string, unknown>>;
  /** The samples the run accepted, when a ledger knows them; output files of others are stale. */
  readonly accepted?: ReadonlySet<number>;
  runState<T>(create: () => T): T;
}

export type RunResult<O extends Record<string, OutputSpec>> =
  | (OutputValues<O> & { ui?: NodeReport })
  | Blocked;

/** A node as the registry and the executor see it, with types erased. */
export interface NodeDefinition {
  readonly type: string;
  readonly displayName: string;
  readonly category: string;
  readonly description: string;
  readonly inputs: Readonly<Record<string, InputSpec>>;
  readonly outputs: Readonly<Record<string, OutputSpec>>;
  readonly outputNode: boolean;
  /** May run on a worker thread (see NodeDeclaration.offload). */
  readonly offload: boolean;
  run(inputs: Record<string, unknown>, context: NodeContext): Promise<Record<string, unknown> | Blocked>;
  finalize?(context: FinalizeContext): Promise<NodeReport | void>;
  writesTo?(inputs: Readonly<Record<string, unknown>>): string;
}

const TYPE_NAME = /^[A-Za-z][A-Za-z0-9_.]*$/;

export function defineNode<const I extends Record<string, InputSpec>, const O extends Record<string, OutputSpec>>(
  declaration: NodeDeclaration<I, O>,
): NodeDefinition {
  if (!TYPE_NAME.test(declaration.type)) {
    throw new TypeError(`node type must match ${TYPE_NAME}, received ${JSON.stringify(declaration.type)}`);
  }
  for (const [name, spec] of Object.entries(declaration.inputs)) {
    if (spec.kind === "INT" || spec.kind === "FLOAT") {
      if (!(spec.min <= spec.default && spec.default <= spec.max)) {
        throw new RangeError(`${declaration.type}.${name}: default ${spec.default} is outside [${spec.min}, ${spec.max}]`);
      }
    }
  }
  const { run, finalize, writesTo } = declaration;
  return {
    type: declaration.type,
    displayName: declaration.displayName ?? defaultDisplayName(declaration.type),
    category: declaration.category,
    description: declaration.description,
    inputs: declaration.inputs,
    outputs: declaration.outputs,
    outputNode: declaration.outputNode ?? false,
    offload: declaration.offload ?? false,
    run: async (inputs, context) => (await run(inputs as InputValues<I>, context)) as Record<string, unknown> | Blocked,
    ...(finalize ? { finalize } : {}),
    ...(writesTo ? { writesTo } : {}),
  };
}

/** "ImgDiff.DifferenceArea" -> "ImgDiff Difference Area": the pack prefix, then the words of the name. */
function defaultDisplayName(type: string): string {
  const dot = type.lastIndexOf(".");
  const name = type.slice(dot + 1).replace(/([a-z0-9])([A-Z])/g, "$1 $2");
  return dot < 0 ? name : `${type.slice(0, dot)} ${name}`;
}
