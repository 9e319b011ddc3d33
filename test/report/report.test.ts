import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { escapeHtml, jsonForScript, relativeUrl } from "../../src/run/report/escape.js";
import { funnelSteps, histogram, tally } from "../../src/run/report/distributions.js";
import { loadReportData } from "../../src/run/report/report-data.js";
import { writeReportHtml } from "../../src/run/report/render-report.js";
import { writeReport } from "../../src/run/report/write-report.js";
import { HOSTILE, makeRunFolder } from "./fixture.js";
import { runCli } from "../support/cli.js";

describe("report pieces", () => {
  it("escapes text, script JSON and image paths", () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe("&#60;a href=&#34;x&#34;&#62;&#39;&#38;&#39;&#60;/a&#62;");
    const json = jsonForScript({ a: "</script><!--\u2028" });
    expect(json).not.toMatch(/[<>\u2028]/);
    expect(JSON.parse(json)).toEqual({ a: "</script><!--\u2028" });
    expect(relativeUrl("images/a b#1.jpg")).toBe("images/a%20b%231.jpg");
    for (const bad of ["/etc/passwd", "../x.jpg", "images/../../x.jpg", "javascript:alert(1)", "https://example.com/x.jpg", "a\\b.jpg"]) expect(relativeUrl(bad), bad).toBeNull();
  });

  it("the funnel subtracts each reason, then failures, and ends at accepted", () => {
    const steps = funnelSteps({ total: 12, pending: 2, running: 0, done: 5, filtered: 4, failed: 1 }, { a: 1, b: 3 });
    expect(steps.map((s) => [s.label, s.remaining, s.removed])).toEqual([
      ["generated", 10, 0],
      ["filtered: b", 7, 3],
      ["filtered: a", 6, 1],
      ["failed", 5, 1],
      ["accepted", 5, 0],
    ]);
  });

  it("histograms bin by edges and tallies fold the tail into other", () => {
    expect(histogram([0, 0.4, 1, 3, 99], [0, 1, 2], (lo) => String(lo)).map((b) => b.value)).toEqual([2, 1, 2]);
    expect(tally(["x", "y", "x", "z"], 1)).toEqual([{ label: "x", value: 2 }, { label: "other (2)", value: 2, other: true }]);
  });
});

describe("imgdiff report", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await makeRunFolder(30);
  }, 60_000);

  it("reads the ledger and the dataset, streaming its items", async () => {
    const data = await loadReportData(dir);
    expect(data.counts!.total).toBe(30);
    const items = [];
    for await (const item of data.items()) items.push(item);
    expect(items.length).toBe(readFileSync(join(dir, "metadata.jsonl"), "utf8").trim().split("\n").length);
    expect(data.itemCount).toBe(items.length);
    expect(items[0]!.image).toMatch(/^images\/[0-9_]+\.jpg$/);
    expect(items[0]!.scores["similarity"]).toBeGreaterThan(0);
    // The charts count every item: one caption-length entry per region caption, two per item.
    expect(data.charts.captionWords.reduce((sum, bar) => sum + bar.value, 0)).toBe(2 * items.length);
    expect(data.charts.categories.reduce((sum, bar) => sum + bar.value, 0)).toBe(items.length);
  });

  it("hostile captions and titles appear only as text", async () => {
    let html = "";
    await writeReportHtml(await loadReportData(dir), { write: async (text) => void (html += text) });
    // The gallery's data, written item by item, is one JSON array.
    const json = /<script type="application\/json" id="gallery-data">([\s\S]*?)<\/script>/.exec(html)![1]!;
    expect(JSON.parse(json)).toHaveLength((await loadReportData(dir)).itemCount);
    expect(html).not.toContain("<script>window.__pwned");
    expect(html).not.toContain("<img src=x");
    expect(html).toContain(escapeHtml(HOSTILE)); // the workflow title, escaped
    // Exactly the two scripts of the page, and the JSON one closes only at its end.
    expect(html.match(/<script/g)).toHaveLength(2);
    expect(html.match(/<\/script>/g)).toHaveLength(2);
    // Nothing loads from the network.
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
    expect(html).toContain("Content-Security-Policy");
  });

  it("the command writes DIR/report.html", async () => {
    expect(existsSync(join(dir, "report.html"))).toBe(false); // runDurable leaves the report to the CLI
    const r = await runCli(["report", dir]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(join(dir, "report.html"));
    expect(readFileSync(join(dir, "report.html"), "utf8")).toContain("<h2>Funnel</h2>");
    expect(await writeReport(dir)).toBe(join(dir, "report.html"));
  });
});
