/**
 * Input and output declarations for defineNode. Widget inputs carry ComfyUI's own types and
 * option keys (INT, FLOAT, STRING, BOOLEAN, combo lists), so a declaration turns into valid
 * object_info without translation; socket inputs carry a type name (IMAGE, MASK, BOXES, ...)
 * whose run-time value type is given by the SocketValues map.
 */
import type { RgbImage, Mask } from "../vision/image.js";
import type { ScoredBox } from "../vision/box.js";
import type { ObjectEdit, PairCaptions } from "../captions/edit.js";

/** Value types of the socket types our nodes exchange. Extend by declaration merging. */
export interface SocketValues {
  IMAGE: RgbImage;
  MASK: Mask;
  BOXES: readonly ScoredBox[];
  IMGDIFF_EDIT: ObjectEdit;
  IMGDIFF_CAPTIONS: PairCaptions;
  IMGDIFF_SCORES: Readonly<Record<string, number>>;
  STRING: string;
  INT: number;
  FLOAT: number;
  BOOLEAN: boolean;
}
export type SocketType = keyof SocketValues & string;

export type SeedControl = "fixed" | "increment" | "decrement" | "randomize";
export const SEED_CONTROLS: readonly SeedControl[] = ["fixed", "increment", "decrement", "randomize"];

interface Common {
  tooltip?: string;
  /** Not required in object_info: the node runs without it. */
  optional?: boolean;
}

export interface IntInput extends Common {
  kind: "INT";
  default: number;
  min: number;
  max: number;
  step?: number;
  /** ComfyUI's control widget: true means the editor default ("randomize"). */
  control_after_generate?: boolean | SeedControl;
  display?: "number" | "slider";
}
export interface FloatInput extends Common {
  kind: "FLOAT";
  default: number;
  min: number;
  max: number;
  step?: number;
  round?: number | false;
  display?: "number" | "slider";
}
export interface StringInput extends Common {
  kind: "STRING";
  default: string;
  multiline?: boolean;
  placeholder?: string;
}
export interface BooleanInput extends Common {
  kind: "BOOLEAN";
  default: boolean;
  label_on?: string;
  label_off?: string;
}
export interface ComboInput<T extends string = string> extends Common {
  kind: "COMBO";
  options: readonly T[];
  default: T;
}
export interface SocketInput<T extends SocketType = SocketType> extends Common {
  kind: "SOCKET";
  type: T;
}

export type InputSpec = IntInput | FloatInput | StringInput | BooleanInput | ComboInput | SocketInput;
export type WidgetInput = Exclude<InputSpec, SocketInput>;

export interface OutputSpec<T extends SocketType = SocketType> {
  type: T;
  tooltip?: string;
}

type Opts<T> = Omit<T, "kind">;

export const int = (o: Opts<IntInput>): IntInput => ({ kind: "INT", ...o });
export const float = (o: Opts<FloatInput>): FloatInput => ({ kind: "FLOAT", ...o });
export const string = (o: Opts<StringInput>): StringInput => ({ kind: "STRING", ...o });
export const boolean = (o: Opts<BooleanInput>): BooleanInput => ({ kind: "BOOLEAN", ...o });
export const combo = <const T extends string>(options: readonly T[], o: Omit<Opts<ComboInput<T>>, "options">): ComboInput<T> => {
  if (!options.includes(o.default)) {
    throw new RangeError(`combo default ${JSON.stringify(o.default)} is not one of ${JSON.stringify(options)}`);
  }
  return { kind: "COMBO", options, ...o };
};
export const socket = <T extends SocketType>(type: T, o: Common = {}): SocketInput<T> => ({ kind: "SOCKET", type, ...o });
export const image = (o: Common = {}) => socket("IMAGE", o);
export const maskInput = (o: Common = {}) => socket("MASK", o);
export const boxes = (o: Common = {}) => socket("BOXES", o);

export const output = <T extends SocketType>(type: T, tooltip?: string): OutputSpec<T> =>
  tooltip === undefined ? { type } : { type, tooltip };

/** The run-time value of an input declaration. */
export type InputValue<S> = S extends IntInput | FloatInput
  ? number
  : S extends StringInput
    ? string
    : S extends BooleanInput
      ? boolean
      : S extends ComboInput<infer T>
        ? T
        : S extends SocketInput<infer T>
          ? SocketValues[T]
          : never;

type OptionalKeys<I> = { [K in keyof I]: I[K] extends { optional: true } ? K : never }[keyof I];
type RequiredKeys<I> = Exclude<keyof I, OptionalKeys<I>>;

export type InputValues<I extends Record<string, InputSpec>> = {
  [K in RequiredKeys<I>]: InputValue<I[K]>;
} & { [K in OptionalKeys<I>]?: InputValue<I[K]> };

export type OutputValues<O extends Record<string, OutputSpec>> = {
  [K in keyof O]: O[K] extends OutputSpec<infer T> ? SocketValues[T] : never;
};

/** Marks an input as optional, keeping its declaration's type for inference. */
export const optional = <S extends InputSpec>(spec: S): S & { optional: true } => ({ ...spec, optional: true });
