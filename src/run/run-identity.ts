/**
 * What makes two invocations the same run: the workflow and the parameters that decide every
 * sample's output (count and run seed). Concurrency is recorded but left out: it changes how
 * fast samples are made, never what they are, so a run may resume with another concurrency.
 */
import { createHash } from "node:crypto";
import type { ApiPrompt } from "../graph/api-prompt.js";

export interface RunIdentity {
  readonly workflow: ApiPrompt;
  readonly count: number;
  readonly seed: number;
}

/** JSON with object keys sorted at every depth, so key order never changes the hash. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

export function identityHash(identity: RunIdentity): string {
  return createHash("sha256")
    .update(canonicalJson({ workflow: identity.workflow, count: identity.count, seed: identity.seed }))
    .digest("hex");
}

/** Human-readable differences, stored run first; empty when the identities match. */
export function describeIdentityDifferences(stored: RunIdentity, current: RunIdentity, limit = 8): string[] {
  const out: string[] = [];
  if (stored.count !== current.count) out.push(`--count: the run has ${stored.count}, this invocation ${current.count}`);
  if (stored.seed !== current.seed) out.push(`--seed: the run has ${stored.seed}, this invocation ${current.seed}`);
  const ids = [...new Set([...Object.keys(stored.workflow), ...Object.keys(current.workflow)])].sort();
  for (const id of ids) {
    const a = stored.workflow[id];
    const b = current.workflow[id];
    if (!a) out.push(`workflow node #${id} (${b!.class_type}) is new`);
    else if (!b) out.push(`workflow node #${id} (${a.class_type}) was removed`);
    else if (a.class_type !== b.class_type) out.push(`workflow node #${id}: class ${a.class_type} became ${b.class_type}`);
    else {
      const names = [...new Set([...Object.keys(a.inputs), ...Object.keys(b.inputs)])].sort();
      for (const name of names) {
        const va = canonicalJson(a.inputs[name]);
        const vb = canonicalJson(b.inputs[name]);
        if (va !== vb) out.push(`workflow node #${id} (${a.class_type}) input ${name}: ${short(va)} became ${short(vb)}`);
      }
      if (canonicalJson(a._meta ?? {}) !== canonicalJson(b._meta ?? {})) out.push(`workflow node #${id} (${a.class_type}): _meta changed`);
    }
  }
  return out.length > limit ? [...out.slice(0, limit), `... and ${out.length - limit} more`] : out;
}

function short(json: string): string {
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
}
