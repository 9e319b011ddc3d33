/**
 * The run report: one static HTML file with inline CSS, SVG charts and a small script for the
 * gallery pages. It loads nothing from the network (a Content-Security-Policy forbids it) and
 * refers to the dataset's images by relative path, so the run folder can be copied and opened
 * from file:// anywhere.
 */
import { funnelSteps } from "./distributions.js";
import { escapeHtml, jsonForScript } from "./escape.js";
import { GALLERY_SCRIPT, PAGE_SIZE } from "./gallery-script.js";
import type { ReportData } from "./report-data.js";
import { barChart, columnChart, funnelChart } from "./svg-charts.js";
import { REPORT_CSS } from "./report-css.js";

const CSP = "default-src 'none'; img-src 'self' file: data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'";

/** Where the page goes, a piece at a time (an AtomicFile in writeReport). */
export interface TextSink {
  write(text: string): Promise<void>;
}

/** Writes the page: all but the gallery's data from `data`, then the gallery items streamed one by one. */
export async function writeReportHtml(data: ReportData, sink: TextSink): Promise<void> {
  const { counts, run, charts: c } = data;
  const h = escapeHtml;
  const accepted = counts?.done ?? data.samples;
  const finished = counts ? counts.done + counts.filtered + counts.failed : accepted;
  const tiles: [string, string, string?][] = [
    ["samples", counts ? `${counts.total}` : "–"],
    ["accepted", `${accepted}`, finished ? `${((accepted / finished) * 100).toFixed(1)}% of finished` : undefined],
    ["filtered", counts ? `${counts.filtered}` : "–"],
    ["failed", counts ? `${counts.failed}` : "–"],
    ["output samples", `${data.itemCount}`, "one per box"],
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
  const charts: [string, string][] = [
    ["Boxes per sample", columnChart("Boxes per sample", c.boxesPerSample, { axis: "boxes in an accepted sample" })],
    ["Box area", columnChart("Box area", c.boxAreas, { axis: "share of the image covered by a box", color: "#7a5cc7" })],
    ["Categories", barChart("Categories", c.categories, { color: "#2f9e6b" })],
    ["Replacement pairs", barChart("Replacement pairs", c.replacements, { color: "#d9822b" })],
    ["Caption length", columnChart("Caption length", c.captionWords, { axis: "words per region caption", color: "#3b9bb0" })],
    ["Answer length", columnChart("Answer length", c.answerWords, { axis: "words per difference answer", color: "#3b9bb0" })],
  ];
  const params = run ? `--count ${run.parameters.count} · --seed ${run.parameters.seed} · --concurrency ${run.parameters.concurrency} · imgdiff ${run.version}` : "no run ledger in this folder";

  await sink.write(`<!doctype html>
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
<section id="samples"><h2>Samples <span class="muted">${data.itemCount} output samples, ${PAGE_SIZE} per page</span></h2>
<nav class="pager" aria-label="gallery pages (top)"></nav>
<div id="gallery" class="gallery"></div>
<nav class="pager" aria-label="gallery pages (bottom)"></nav>
</section>
${workflow ? `<section id="workflow"><h2>Workflow</h2><ul class="nodes">${workflow}</ul></section>` : ""}
</main>
<script type="application/json" id="gallery-data">[`);
  let first = true;
  for await (const i of data.items()) {
    const card = { id: i.id, image: i.image, kind: i.kind, category: i.category, source: i.source, target: i.target, caption1: i.caption1, caption2: i.caption2, question: i.question, answer: i.answer, scores: i.scores };
    await sink.write(`${first ? "" : ","}${jsonForScript(card)}`);
    first = false;
  }
  await sink.write(`]</script>
<script>${GALLERY_SCRIPT}</script>
</body>
</html>
`);
}
