#!/usr/bin/env node
/** The imgdiff command: one file per subcommand; this one dispatches and turns errors into exit codes. */
import { ImgDiffError } from "../errors.js";
import { UsageError } from "./usage-error.js";
import { runCommand, RUN_USAGE } from "./run.js";
import { diffCommand, DIFF_USAGE } from "./diff.js";
import { nodesCommand, NODES_USAGE } from "./nodes.js";
import { comfyCommand, COMFY_USAGE } from "./comfy.js";
import { statusCommand, STATUS_USAGE } from "./status.js";
import { reportCommand, REPORT_USAGE } from "./report.js";
import { workflowCommand, WORKFLOW_USAGE } from "./workflow.js";
import { queueCommand, QUEUE_USAGE } from "./queue.js";
import { workerCommand, WORKER_USAGE } from "./worker.js";
import { mergeCommand, MERGE_USAGE } from "./merge.js";

const COMMANDS: Record<string, { run: (argv: readonly string[]) => Promise<number>; usage: string }> = {
  run: { run: runCommand, usage: RUN_USAGE },
  diff: { run: diffCommand, usage: DIFF_USAGE },
  nodes: { run: nodesCommand, usage: NODES_USAGE },
  comfy: { run: comfyCommand, usage: COMFY_USAGE },
  status: { run: statusCommand, usage: STATUS_USAGE },
  report: { run: reportCommand, usage: REPORT_USAGE },
  workflow: { run: workflowCommand, usage: WORKFLOW_USAGE },
  queue: { run: queueCommand, usage: QUEUE_USAGE },
  worker: { run: workerCommand, usage: WORKER_USAGE },
  merge: { run: mergeCommand, usage: MERGE_USAGE },
};

const HELP = `imgdiff: contrastive image-pair datasets (Img-Diff) from ComfyUI-style workflows

Usage:
  ${Object.values(COMMANDS).map((c) => c.usage).join("\n  ")}
`;

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(HELP);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`imgdiff: unknown command ${JSON.stringify(name)}\n\n${HELP}`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`imgdiff ${name}: ${error.message}\nusage: ${command.usage}\n`);
      return 2;
    }
    if (error instanceof ImgDiffError) {
      process.stderr.write(`imgdiff ${name}: ${error.message}\n`);
      return 1;
    }
    // A bug, not bad input: the message for people, the stack only when asked for.
    const detail = process.env["IMGDIFF_DEBUG"] && error instanceof Error ? `\n${error.stack}` : "";
    process.stderr.write(`imgdiff ${name}: unexpected error: ${error instanceof Error ? error.message : String(error)}${detail}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
