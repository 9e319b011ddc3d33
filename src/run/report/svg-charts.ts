/**
 * The report's charts, drawn as inline SVG strings: no library, no network, no script. Every
 * label passes through escapeHtml. Sizes are in SVG units; the page scales them to its width.
 */
import { escapeHtml } from "./escape.js";

export interface Bar {
  readonly label: string;
  readonly value: number;
  /** The sum of the values left out (drawn grey). */
  readonly other?: boolean;
}

const FONT = `font-family="system-ui, -apple-system, 'Segoe UI', sans-serif"`;

function fmt(n: number): string {
  return Number.isInteger(n) ? n.toLocaleString("en-US") : n.toFixed(1);
}

function frame(width: number, height: number, title: string, body: string): string {
  return `<svg class="chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(title)}" xmlns="http://www.w3.org/2000/svg" ${FONT}><title>${escapeHtml(title)}</title>${body}</svg>`;
}

function empty(title: string): string {
  return frame(460, 60, title, `<text x="230" y="34" text-anchor="middle" font-size="13" fill="#8a8f98">no data</text>`);
}

/** Vertical columns over ordered bins (a histogram), value on top of each column. */
export function columnChart(title: string, bins: readonly Bar[], options: { color?: string; axis?: string } = {}): string {
  if (bins.every((b) => b.value === 0)) return empty(title);
  const width = 460;
  const height = 220;
  const left = 12;
  const top = 18;
  const bottom = options.axis ? 46 : 30;
  const plotH = height - top - bottom;
  const slot = (width - left * 2) / bins.length;
  const max = Math.max(...bins.map((b) => b.value));
  const color = options.color ?? "#3b6fd8";
  const parts: string[] = [`<line x1="${left}" y1="${top + plotH}" x2="${width - left}" y2="${top + plotH}" stroke="#c9ced6"/>`];
  bins.forEach((b, i) => {
    const h = max > 0 ? (b.value / max) * plotH : 0;
    const x = left + i * slot + slot * 0.12;
    const w = slot * 0.76;
    const y = top + plotH - h;
    parts.push(`<rect class="bar" x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${w.toFixed(1)}" height="${h.toFixed(1)}" rx="2" fill="${color}"><title>${escapeHtml(`${b.label}: ${fmt(b.value)}`)}</title></rect>`);
    if (b.value > 0) parts.push(`<text x="${(x + w / 2).toFixed(1)}" y="${(y - 4).toFixed(1)}" text-anchor="middle" font-size="10" fill="#4a505a">${fmt(b.value)}</text>`);
    parts.push(`<text x="${(x + w / 2).toFixed(1)}" y="${top + plotH + 14}" text-anchor="middle" font-size="10" fill="#4a505a">${escapeHtml(b.label)}</text>`);
  });
  if (options.axis) parts.push(`<text x="${width / 2}" y="${height - 8}" text-anchor="middle" font-size="11" fill="#6b717b">${escapeHtml(options.axis)}</text>`);
  return frame(width, height, title, parts.join(""));
}

/** Horizontal bars with labels on the left (categories, pairs), largest first as given. */
export function barChart(title: string, bars: readonly Bar[], options: { color?: string } = {}): string {
  if (bars.length === 0) return empty(title);
  const width = 460;
  const row = 22;
  const labelW = 170;
  const top = 6;
  const height = top * 2 + bars.length * row;
  const max = Math.max(...bars.map((b) => b.value), 1);
  const plotW = width - labelW - 56;
  const color = options.color ?? "#3b6fd8";
  const parts = bars.map((b, i) => {
    const y = top + i * row;
    const w = Math.max(1, (b.value / max) * plotW);
    const label = b.label.length > 26 ? `${b.label.slice(0, 25)}…` : b.label;
    return (
      `<text x="${labelW - 8}" y="${y + 15}" text-anchor="end" font-size="12" fill="#2b3038">${escapeHtml(label)}</text>` +
      `<rect class="bar" x="${labelW}" y="${y + 4}" width="${w.toFixed(1)}" height="${row - 8}" rx="2" fill="${b.other ? "#b5bac2" : color}"><title>${escapeHtml(`${b.label}: ${fmt(b.value)}`)}</title></rect>` +
      `<text x="${(labelW + w + 6).toFixed(1)}" y="${y + 15}" font-size="11" fill="#4a505a">${fmt(b.value)}</text>`
    );
  });
  return frame(width, height, title, parts.join(""));
}

export interface FunnelStep {
  readonly label: string;
  /** Samples left after this step. */
  readonly remaining: number;
  /** Samples this step removed (0 for the first and last rows). */
  readonly removed: number;
  readonly kind: "start" | "filter" | "failed" | "end";
}

/** The funnel: one row per step, the bar what is left, the part removed drawn after it. */
export function funnelChart(title: string, steps: readonly FunnelStep[]): string {
  if (steps.length === 0 || steps[0]!.remaining === 0) return empty(title);
  const width = 940;
  const row = 30;
  const labelW = 210;
  const plotW = width - labelW - 150;
  const height = steps.length * row + 8;
  const total = steps[0]!.remaining;
  const fill = { start: "#3b6fd8", filter: "#3b6fd8", failed: "#3b6fd8", end: "#2f9e6b" } as const;
  const parts = steps.map((s, i) => {
    const y = 4 + i * row;
    const keep = (s.remaining / total) * plotW;
    const cut = (s.removed / total) * plotW;
    const share = `${((s.remaining / total) * 100).toFixed(1)}%`;
    const note = s.removed > 0 ? `−${fmt(s.removed)} → ${fmt(s.remaining)} (${share})` : `${fmt(s.remaining)}${s.kind === "end" ? ` (${share})` : ""}`;
    return (
      `<text x="${labelW - 10}" y="${y + 19}" text-anchor="end" font-size="13" fill="#2b3038"${s.kind === "end" || s.kind === "start" ? ' font-weight="600"' : ""}>${escapeHtml(s.label)}</text>` +
      `<rect class="bar" x="${labelW}" y="${y + 4}" width="${Math.max(keep, 1).toFixed(1)}" height="${row - 8}" rx="3" fill="${fill[s.kind]}"/>` +
      (cut > 0 ? `<rect x="${(labelW + keep).toFixed(1)}" y="${y + 4}" width="${Math.max(cut, 1).toFixed(1)}" height="${row - 8}" rx="3" fill="${s.kind === "failed" ? "#e8a33d" : "#e46962"}" opacity="0.75"/>` : "") +
      `<text x="${(labelW + keep + cut + 8).toFixed(1)}" y="${y + 19}" font-size="12" fill="#4a505a">${escapeHtml(note)}</text>`
    );
  });
  return frame(width, height, title, parts.join(""));
}
