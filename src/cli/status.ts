import { resolve } from "node:path";
import { parse } from "./args.js";
import { UsageError } from "./usage-error.js";
import { formatStatus, readRunStatus } from "../run/status.js";

export const STATUS_USAGE = "imgdiff status <run folder> [--json]  (reads the run's ledger; safe while it runs)";

export async function statusCommand(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parse(argv, { json: { type: "boolean" } });
  if (positionals.length !== 1) throw new UsageError(`expected one run folder, received ${positionals.length}`);
  const dir = resolve(positionals[0]!);
  const report = readRunStatus(dir);
  process.stdout.write(values.json ? `${JSON.stringify(report.status)}\n` : formatStatus(dir, report));
  return 0;
}
