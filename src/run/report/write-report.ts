import { join } from "node:path";
import { writeFileAtomic } from "../../dataset/atomic.js";
import { loadReportData } from "./report-data.js";
import { renderReport } from "./render-report.js";

export const REPORT_FILE = "report.html";

/** Write DIR/report.html from the run folder's ledger and dataset; returns its path. */
export async function writeReport(dir: string): Promise<string> {
  const path = join(dir, REPORT_FILE);
  await writeFileAtomic(path, renderReport(await loadReportData(dir)));
  return path;
}
