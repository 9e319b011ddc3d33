/** A real run folder for the report tests: the synthetic workflow, in-process, with hostile text planted. */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { defaultRegistry } from "../../src/nodes/index.js";
import { parsePrompt, prepareGraph } from "../../src/run/graph.js";
import { runDurable } from "../../src/run/durable-run.js";

export const HOSTILE = `</script><script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">"'&`;

export async function makeRunFolder(count = 30): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "imgdiff-report-"));
  const prompt = JSON.parse(readFileSync(resolve(import.meta.dirname, "../../workflows/synthetic-object-replacement.json"), "utf8")) as Record<string, { _meta?: { title?: string } }>;
  prompt["6"]!._meta!.title = HOSTILE; // a workflow title reaches the report's node list
  const graph = prepareGraph(parsePrompt(prompt), defaultRegistry());
  await runDurable(graph, { count, seed: 0, concurrency: 2, outputDir: dir, version: "test" });
  // A caption reaches the gallery.
  const file = join(dir, "metadata.jsonl");
  const lines = readFileSync(file, "utf8").trim().split("\n");
  const first = JSON.parse(lines[0]!) as Record<string, unknown>;
  lines[0] = JSON.stringify({ ...first, captions1: HOSTILE, category: HOSTILE });
  writeFileSync(file, `${lines.join("\n")}\n`);
  return dir;
}
