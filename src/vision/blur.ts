/**
 * Separable Gaussian blur of a float plane, edges handled by clamping. Applied to the difference
 * map so that an isolated noisy pixel is diluted by its quiet neighbours while a changed object,
 * many pixels wide, keeps its strength.
 */
export function gaussianBlur(plane: Float32Array, width: number, height: number, sigma: number): Float32Array {
  if (sigma <= 0) return plane;
  const kernel = gaussianKernel(sigma);
  const tmp = new Float32Array(plane.length);
  const out = new Float32Array(plane.length);
  convolveLines(plane, tmp, kernel, width, height, 1, width);
  convolveLines(tmp, out, kernel, height, width, width, 1);
  return out;
}

function gaussianKernel(sigma: number): Float32Array {
  // ±2σ holds 95% of the weight; the tails cost taps and change nothing that matters here.
  const radius = Math.max(1, Math.ceil(2 * sigma));
  const kernel = new Float32Array(2 * radius + 1);
  let total = 0;
  for (let k = -radius; k <= radius; k++) {
    kernel[k + radius] = Math.exp((-k * k) / (2 * sigma * sigma));
    total += kernel[k + radius]!;
  }
  for (let k = 0; k < kernel.length; k++) kernel[k] = kernel[k]! / total;
  return kernel;
}

/** 1-D convolution along `lines` lines of `length` samples `step` apart, lines `stride` apart. */
function convolveLines(
  src: Float32Array,
  dst: Float32Array,
  kernel: Float32Array,
  length: number,
  lines: number,
  step: number,
  stride: number,
): void {
  const radius = (kernel.length - 1) >> 1;
  for (let line = 0; line < lines; line++) {
    const base = line * stride;
    for (let i = 0; i < length; i++) {
      let sum = 0;
      if (i >= radius && i < length - radius) {
        // Interior: no clamping, the common case.
        let p = base + (i - radius) * step;
        for (let k = 0; k < kernel.length; k++, p += step) sum += kernel[k]! * src[p]!;
      } else {
        for (let k = -radius; k <= radius; k++) {
          const j = i + k < 0 ? 0 : i + k >= length ? length - 1 : i + k;
          sum += kernel[k + radius]! * src[base + j * step]!;
        }
      }
      dst[base + i * step] = sum;
    }
  }
}
