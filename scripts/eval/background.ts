/**
 * Seeded procedural backgrounds for the synthetic evaluation set: a two-colour linear gradient,
 * a few oriented sine gratings (texture at several scales, so that misalignment produces edge
 * differences as on real photos) and a fixed fine grain that belongs to the scene (identical in A
 * and B, unlike sensor noise).
 */
import type { Rng } from "../../src/util/rng.js";

export function renderBackground(rng: Rng, width: number, height: number): Uint8Array {
  const c0 = [rng.int(20, 235), rng.int(20, 235), rng.int(20, 235)];
  const c1 = [rng.int(20, 235), rng.int(20, 235), rng.int(20, 235)];
  const angle = rng.float(0, Math.PI);
  const gx = Math.cos(angle) / width;
  const gy = Math.sin(angle) / height;
  const span = Math.abs(Math.cos(angle)) + Math.abs(Math.sin(angle));
  const offset = Math.min(0, Math.cos(angle)) + Math.min(0, Math.sin(angle));

  // Each grating is sin(u·x + v·y + phase), computed per row from per-column sin/cos tables.
  const gratings = Array.from({ length: rng.int(2, 4) }, () => {
    const period = rng.float(0.02, 0.25) * Math.max(width, height);
    const theta = rng.float(0, Math.PI);
    const u = (2 * Math.PI * Math.cos(theta)) / period;
    const v = (2 * Math.PI * Math.sin(theta)) / period;
    const phase = rng.float(0, 2 * Math.PI);
    const amplitude = [rng.float(3, 18), rng.float(3, 18), rng.float(3, 18)];
    const sx = new Float32Array(width);
    const cx = new Float32Array(width);
    for (let x = 0; x < width; x++) {
      sx[x] = Math.sin(u * x + phase);
      cx[x] = Math.cos(u * x + phase);
    }
    return { v, amplitude, sx, cx };
  });
  const grain = rng.float(0, 6);
  const grainRng = rng.fork("grain");

  const out = new Uint8Array(width * height * 3);
  const wave = new Float32Array(width * 3);
  for (let y = 0; y < height; y++) {
    wave.fill(0);
    for (const g of gratings) {
      const sy = Math.sin(g.v * y);
      const cy = Math.cos(g.v * y);
      for (let x = 0; x < width; x++) {
        const s = g.sx[x]! * cy + g.cx[x]! * sy;
        wave[x * 3] = wave[x * 3]! + g.amplitude[0]! * s;
        wave[x * 3 + 1] = wave[x * 3 + 1]! + g.amplitude[1]! * s;
        wave[x * 3 + 2] = wave[x * 3 + 2]! + g.amplitude[2]! * s;
      }
    }
    for (let x = 0; x < width; x++) {
      const t = (x * gx + y * gy - offset) / span;
      const noise = grain * (grainRng.next() - 0.5) * 2;
      for (let c = 0; c < 3; c++) {
        const base = c0[c]! + (c1[c]! - c0[c]!) * t;
        const v = base + wave[x * 3 + c]! + noise;
        out[(y * width + x) * 3 + c] = v < 0 ? 0 : v > 255 ? 255 : v;
      }
    }
  }
  return out;
}
