/** The report's stylesheet, inlined into the page. */
export const REPORT_CSS = `
:root { --ink: #1f242c; --muted: #6b717b; --line: #e2e5ea; --bg: #f5f6f8; --card: #fff; --accent: #3b6fd8; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; }
header { background: #1f2a3d; color: #fff; padding: 20px 32px 16px; }
header h1 { margin: 0 0 4px; font-size: 22px; font-weight: 600; }
header .name { font-weight: 400; opacity: .85; margin-left: 6px; }
header .muted { color: #b7c0d0; margin: 0; }
main { max-width: 1280px; margin: 0 auto; padding: 20px 32px 48px; }
section { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 16px 20px; margin-bottom: 18px; }
h2 { font-size: 16px; margin: 0 0 12px; font-weight: 600; }
h2 .muted { font-weight: 400; font-size: 13px; margin-left: 6px; }
.muted { color: var(--muted); }
.warn { color: #a5551b; }
.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 12px; background: none; border: 0; padding: 0; }
.tile { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 12px 16px; }
.tile .value { font-size: 26px; font-weight: 600; }
.tile .label { color: var(--muted); text-transform: uppercase; font-size: 11px; letter-spacing: .06em; }
.tile .note { color: var(--muted); font-size: 12px; }
svg.chart { max-width: 100%; height: auto; display: block; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(440px, 1fr)); gap: 14px 22px; }
.chart-box { margin: 0; }
.chart-box figcaption { font-weight: 600; font-size: 13px; margin-bottom: 6px; }
table.failures { border-collapse: collapse; margin-top: 12px; width: 100%; font-size: 13px; }
table.failures th, table.failures td { text-align: left; border-top: 1px solid var(--line); padding: 6px 8px; vertical-align: top; }
.pager { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; margin: 8px 0 14px; }
.pager button { font: inherit; border: 1px solid var(--line); background: #fff; border-radius: 6px; padding: 4px 10px; cursor: pointer; min-width: 34px; }
.pager button:hover:not(:disabled) { border-color: var(--accent); }
.pager button.current { background: var(--accent); color: #fff; border-color: var(--accent); }
.pager button:disabled { opacity: .4; cursor: default; }
.pager .gap { color: var(--muted); padding: 0 2px; }
.pager .range { color: var(--muted); margin-left: auto; }
.gallery { display: grid; grid-template-columns: repeat(auto-fill, minmax(380px, 1fr)); gap: 16px; }
.item { margin: 0; border: 1px solid var(--line); border-radius: 8px; overflow: hidden; background: #fff; display: flex; flex-direction: column; }
.item img { width: 100%; aspect-ratio: 2.04 / 1; object-fit: contain; background: #111; display: block; }
.item .noimg { aspect-ratio: 2.04 / 1; display: grid; place-items: center; color: var(--muted); background: #eee; }
.item figcaption { padding: 10px 12px 12px; font-size: 13px; }
.item .head { display: flex; gap: 8px; align-items: center; margin-bottom: 4px; }
.item .id { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; color: var(--muted); }
.badge { font-size: 11px; border-radius: 10px; padding: 1px 8px; background: #e7eefc; color: #2b58b3; }
.badge.remove { background: #fbe9e7; color: #b3432b; }
.cat { font-size: 12px; color: var(--muted); margin-left: auto; }
.edit { font-weight: 600; margin-bottom: 6px; }
.item dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 10px; margin: 0; }
.item dt { color: var(--muted); font-size: 12px; }
.item dd { margin: 0; }
.question { margin-top: 6px; color: var(--muted); }
.question summary { cursor: pointer; font-size: 12px; }
.question p { margin: 4px 0 0; }
.scores { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 8px; }
.score { background: var(--bg); border-radius: 6px; padding: 1px 7px; font-size: 12px; font-variant-numeric: tabular-nums; }
.score b { font-weight: 500; color: var(--muted); }
.nodes { columns: 2; margin: 0; padding-left: 18px; }
.none { color: var(--muted); }
`;
