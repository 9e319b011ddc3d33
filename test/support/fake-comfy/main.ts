/**
 * The fake ComfyUI server as its own process:
 *   node --import tsx test/support/fake-comfy/main.ts --port 0 [--execution-ms N] [--node-delay-ms N]
 *        [--object-info FILE] [--checkpoints a,b] [--preview-method auto] [--dir DIR]
 * Prints one JSON line {"url","port"} on stdout once listening, then one line per change:
 * {"stats": {...}} and {"restarted": true}. Faults are driven over /__fake/ (see admin.ts).
 * SIGTERM / SIGINT close it cleanly.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { startFakeComfy, type FakeComfyOptions } from "./server.js";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    "execution-ms": { type: "string" },
    "node-delay-ms": { type: "string" },
    "object-info": { type: "string" },
    checkpoints: { type: "string" },
    "preview-method": { type: "string" },
    dir: { type: "string" },
    "prompt-ms": { type: "string" },
  },
});

const options: FakeComfyOptions = { port: Number(values.port) };
if (values["execution-ms"] !== undefined) options.executionMs = Number(values["execution-ms"]);
if (values["node-delay-ms"] !== undefined) options.nodeDelayMs = Number(values["node-delay-ms"]);
if (values["prompt-ms"] !== undefined) options.promptMs = Number(values["prompt-ms"]);
if (values["object-info"] !== undefined) options.objectInfo = JSON.parse(readFileSync(values["object-info"], "utf8")) as Record<string, unknown>;
if (values.checkpoints !== undefined) options.checkpoints = values.checkpoints.split(",").filter(Boolean);
if (values["preview-method"] !== undefined) options.previewMethod = values["preview-method"] as FakeComfyOptions["previewMethod"];
if (values.dir !== undefined) options.dir = values.dir;

const line = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);
const fake = await startFakeComfy(options, { onStats: (stats) => line({ stats }), onRestart: () => line({ restarted: true }) });
line({ url: fake.url, port: fake.port });

const shutdown = () => void fake.close().then(() => process.exit(0));
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
