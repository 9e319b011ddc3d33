/**
 * The run report: one static HTML file with inline CSS, SVG charts and a small script for the
 * gallery pages. It loads nothing from the network (a Content-Security-Policy forbids it) and
 * refers to the dataset's images by relative path, so the run folder can be copied and opened
 * from file:// anywhere.
 */
import { boxAreas, boxesPerSample, funnelSteps, tally, wordCounts } from "./distributions.js";
import { escapeHtml, jsonForScript } from "./escape.js";
import { GALLERY_SCRIPT, PAGE_SIZE } from "./gallery-script.js";
import type { ReportData } from "./report-data.js";
import { barChart, columnChart, funnelChart } from "./svg-charts.js";
import { REPORT_CSS } from "./report-css.js";

const CSP = "default-src 'none'; img-src 'self' file: data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'";

export function renderReport(data: ReportData): string {
  const { counts, items, run } = data;
  const h = escapeHtml;
  const accepted = counts?.done ?? new Set(items.map((i) => i.sampleIndex)).size;
  const finished = counts ? counts.done + counts.filtered + counts.failed : accepted;
  const tiles: [string, string, string?][] = [
    ["samples", counts ? `${counts.total}` : "–"],
    ["accepted", `${accepted}`, finished ? `${((accepted / finished) * 100).toFixed(1)}% of finished` : undefined],
    ["filtered", counts ? `${counts.filtered}` : "–"],
    ["failed", counts ? `${counts.failed}` : "–"],
    ["output samples", `${items.length}`, "one per box"],
    ...(counts && counts.pending + counts.running > 0 ? [["left to run", `${counts.pending + counts.running}`] as [string, string]] : []),
  ];
  const workflow = run
    ? Object.entries(run.workflow)
        .map(([id, n]) => `<li><code>#${h(id)}</code> ${h(n.class_type)}${n._meta?.title ? ` <span class="muted">${h(n._meta.title)}</span>` : ""}</li>`)
        .join("")
    : "";
  const failures = data.failures.length
    ? `<table class="failures"><thead><tr><th>cause</th><th>samples</th><th>example</th></tr></thead><tbody>${data.failures
        .map((f) => `<tr><td>${h(f.cause)}</td><td>${f.count}</td><td>${h(f.example)}</td></tr>`)
        .join("")}</tbody></table>`
    : "";
  const replacements = items.filter((i) => i.kind === "replace" && i.target !== null).map((i) => `${i.source} → ${i.target}`);
  const charts: [string, string][] = [
    ["Boxes per sample", columnChart("Boxes per sample", boxesPerSample(items), { axis: "boxes in an accepted sample" })],
    ["Box area", columnChart("Box area", boxAreas(items), { axis: "share of the image covered by a box", color: "#7a5cc7" })],
    ["Categories", barChart("Categories", tally(items.map((i) => i.category || "(none)")), { color: "#2f9e6b" })],
    ["Replacement pairs", barChart("Replacement pairs", tally(replacements), { color: "#d9822b" })],
    ["Caption length", columnChart("Caption length", wordCounts(items.flatMap((i) => [i.caption1, i.caption2])), { axis: "words per region caption", color: "#3b9bb0" })],
    ["Answer length", columnChart("Answer length", wordCounts(items.map((i) => i.answer)), { axis: "words per difference answer", color: "#3b9bb0" })],
  ];
  const gallery = items.map((i) => ({
    id: i.id,
    image: i.image,
    kind: i.kind,
    category: i.category,
    source: i.source,
    target: i.target,
    caption1: i.caption1,
    caption2: i.caption2,
    question: i.question,
    answer: i.answer,
    scores: i.scores,
  }));
  const params = run ? `--count ${run.parameters.count} · --seed ${run.parameters.seed} · --concurrency ${run.parameters.concurrency} · imgdiff ${run.version}` : "no run ledger in this folder";

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${h(CSP)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${h(`imgdiff run report: ${data.title}`)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<header>
  <h1>Run report <span class="name">${h(data.title)}</span></h1>
  <p class="muted">${h(params)} · generated ${h(data.generatedAt)}</p>
</header>
<main>
<section class="tiles">${tiles
    .map(([label, value, note]) => `<div class="tile"><div class="value">${h(value)}</div><div class="label">${h(label)}</div>${note ? `<div class="note">${h(note)}</div>` : ""}</div>`)
    .join("")}</section>
<section id="funnel"><h2>Funnel</h2>${counts ? funnelChart("Funnel", funnelSteps(counts, data.reasons)) : `<p class="muted">No ledger: the funnel is unknown.</p>`}${failures}</section>
<section id="distributions"><h2>Distributions</h2><div class="charts">${charts.map(([title, svg]) => `<figure class="chart-box"><figcaption>${h(title)}</figcaption>${svg}</figure>`).join("")}</div>
${data.skippedLines ? `<p class="warn">${data.skippedLines} unreadable line(s) in metadata.jsonl left out.</p>` : ""}</section>
<section id="samples"><h2>Samples <span class="muted">${items.length} output samples, ${PAGE_SIZE} per page</span></h2>
<nav class="pager" aria-label="gallery pages (top)"></nav>
<div id="gallery" class="gallery"></div>
<nav class="pager" aria-label="gallery pages (bottom)"></nav>
</section>
${workflow ? `<section id="workflow"><h2>Workflow</h2><ul class="nodes">${workflow}</ul></section>` : ""}
</main>
<script type="application/json" id="gallery-data">${jsonForScript(gallery)}</script>
<script>${GALLERY_SCRIPT}</script>
</body>
</html>
`;
}
