/**
 * ComfyUI's tensors, kept as plain float arrays: IMAGE is [batch, height, width, 3] in 0..1,
 * MASK is [batch, height, width]. LATENT is faked at pixel resolution (no VAE): `samples` holds
 * the pixels it stands for, so decode/encode are exact and an inpaint changes only masked pixels.
 */
export interface Tensor {
  readonly batch: number;
  readonly height: number;
  readonly width: number;
  /** 3 for IMAGE, 1 for MASK. */
  readonly channels: number;
  readonly data: Float32Array;
}

export interface Latent {
  readonly samples: Tensor;
  readonly noise_mask?: Tensor;
}

/** Text and the seed material a fake CLIPTextEncode produced. */
export interface Conditioning {
  readonly text: string;
  readonly concatImage?: Tensor;
  readonly concatMask?: Tensor;
}

export interface ModelHandle {
  readonly kind: "MODEL" | "CLIP" | "VAE";
  readonly ckpt: string;
}

export function tensor(batch: number, height: number, width: number, channels: number, fill = 0): Tensor {
  const data = new Float32Array(batch * height * width * channels);
  if (fill !== 0) data.fill(fill);
  return { batch, height, width, channels, data };
}

export function frameSize(t: Tensor): number {
  return t.height * t.width * t.channels;
}

/** One frame of a batch (a view, not a copy). */
export function frame(t: Tensor, index: number): Tensor {
  const size = frameSize(t);
  return { ...t, batch: 1, data: t.data.subarray(index * size, (index + 1) * size) };
}

export function concatBatch(frames: readonly Tensor[]): Tensor {
  const first = frames[0]!;
  const out = tensor(frames.length, first.height, first.width, first.channels);
  frames.forEach((f, i) => out.data.set(f.data, i * frameSize(first)));
  return out;
}

/** comfy.utils.repeat_to_batch_size: cut or repeat frames to `batch`. */
export function repeatToBatch(t: Tensor, batch: number): Tensor {
  if (t.batch === batch) return t;
  return concatBatch(Array.from({ length: batch }, (_, i) => frame(t, i % t.batch)));
}

export function map(t: Tensor, f: (v: number, i: number) => number): Tensor {
  const out = tensor(t.batch, t.height, t.width, t.channels);
  for (let i = 0; i < t.data.length; i++) out.data[i] = f(t.data[i]!, i);
  return out;
}

/** torch.nn.functional.interpolate(mode="bilinear", align_corners=False), per frame and channel. */
export function resizeBilinear(t: Tensor, height: number, width: number): Tensor {
  if (t.height === height && t.width === width) return t;
  const out = tensor(t.batch, height, width, t.channels);
  const sy = t.height / height;
  const sx = t.width / width;
  const c = t.channels;
  for (let b = 0; b < t.batch; b++) {
    const src = b * t.height * t.width * c;
    const dst = b * height * width * c;
    for (let y = 0; y < height; y++) {
      const fy = Math.max(0, (y + 0.5) * sy - 0.5);
      const y0 = Math.min(Math.floor(fy), t.height - 1);
      const y1 = Math.min(y0 + 1, t.height - 1);
      const wy = fy - y0;
      for (let x = 0; x < width; x++) {
        const fx = Math.max(0, (x + 0.5) * sx - 0.5);
        const x0 = Math.min(Math.floor(fx), t.width - 1);
        const x1 = Math.min(x0 + 1, t.width - 1);
        const wx = fx - x0;
        for (let k = 0; k < c; k++) {
          const p = (yy: number, xx: number) => t.data[src + (yy * t.width + xx) * c + k]!;
          const top = p(y0, x0) * (1 - wx) + p(y0, x1) * wx;
          const bottom = p(y1, x0) * (1 - wx) + p(y1, x1) * wx;
          out.data[dst + (y * width + x) * c + k] = top * (1 - wy) + bottom * wy;
        }
      }
    }
  }
  return out;
}

/** interpolate(mode="nearest-exact"). */
export function resizeNearest(t: Tensor, height: number, width: number): Tensor {
  const out = tensor(t.batch, height, width, t.channels);
  const c = t.channels;
  for (let b = 0; b < t.batch; b++) {
    for (let y = 0; y < height; y++) {
      const yy = Math.min(Math.floor((y + 0.5) * (t.height / height)), t.height - 1);
      for (let x = 0; x < width; x++) {
        const xx = Math.min(Math.floor((x + 0.5) * (t.width / width)), t.width - 1);
        for (let k = 0; k < c; k++) {
          out.data[((b * height + y) * width + x) * c + k] = t.data[((b * t.height + yy) * t.width + xx) * c + k]!;
        }
      }
    }
  }
  return out;
}

/** interpolate(mode="area"): the mean of the source pixels each target pixel covers. */
export function resizeArea(t: Tensor, height: number, width: number): Tensor {
  const out = tensor(t.batch, height, width, t.channels);
  const c = t.channels;
  for (let b = 0; b < t.batch; b++) {
    for (let y = 0; y < height; y++) {
      const y0 = Math.floor((y * t.height) / height);
      const y1 = Math.max(y0 + 1, Math.ceil(((y + 1) * t.height) / height));
      for (let x = 0; x < width; x++) {
        const x0 = Math.floor((x * t.width) / width);
        const x1 = Math.max(x0 + 1, Math.ceil(((x + 1) * t.width) / width));
        for (let k = 0; k < c; k++) {
          let sum = 0;
          for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) sum += t.data[((b * t.height + yy) * t.width + xx) * c + k]!;
          out.data[((b * height + y) * width + x) * c + k] = sum / ((y1 - y0) * (x1 - x0));
        }
      }
    }
  }
  return out;
}

export function crop(t: Tensor, top: number, left: number, height: number, width: number): Tensor {
  const out = tensor(t.batch, height, width, t.channels);
  const c = t.channels;
  for (let b = 0; b < t.batch; b++) {
    for (let y = 0; y < height; y++) {
      const start = ((b * t.height + top + y) * t.width + left) * c;
      out.data.set(t.data.subarray(start, start + width * c), ((b * height + y) * width) * c);
    }
  }
  return out;
}

/** A MASK of any batch as [batch, h, w] resized to h x w (ComfyUI interpolates masks bilinearly). */
export function maskTo(mask: Tensor, height: number, width: number): Tensor {
  return resizeBilinear(mask, height, width);
}
