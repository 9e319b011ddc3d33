import { join } from "node:path";
import { openAtomicFile } from "../../dataset/atomic.js";
import { loadReportData } from "./report-data.js";
import { writeReportHtml } from "./render-report.js";

export const REPORT_FILE = "report.html";

/** Write DIR/report.html from the run folder's ledger and dataset; returns its path. */
export async function writeReport(dir: string): Promise<string> {
  const path = join(dir, REPORT_FILE);
  const data = await loadReportData(dir);
  const file = await openAtomicFile(path);
  try {
    await writeReportHtml(data, file);
  } catch (error) {
    await file.abort();
    throw error;
  }
  await file.commit();
  return path;
}
