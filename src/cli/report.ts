import { resolve } from "node:path";
import { parse } from "./args.js";
import { UsageError } from "./usage-error.js";
import { writeReport } from "../run/report/write-report.js";

export const REPORT_USAGE = "imgdiff report <run folder>  (writes <run folder>/report.html)";

export async function reportCommand(argv: readonly string[]): Promise<number> {
  const { positionals } = parse(argv, {});
  if (positionals.length !== 1) throw new UsageError(`expected one run folder, received ${positionals.length}`);
  process.stdout.write(`${await writeReport(resolve(positionals[0]!))}\n`);
  return 0;
}
