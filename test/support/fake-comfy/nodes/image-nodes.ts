/** Model-free image nodes (nodes.py, comfy_extras) on float IMAGE tensors. */
import { PyError, V3_FRAMES, frame } from "../pyerror.js";
import { crop, map, maskTo, repeatToBatch, resizeArea, resizeBilinear, resizeNearest, tensor, type Tensor } from "../tensors.js";
import type { NodeImpl } from "./types.js";

/** comfy.utils.common_upscale. Bicubic and lanczos fall back to bilinear (documented simplification). */
export function commonUpscale(image: Tensor, width: number, height: number, method: string, cropMode: string): Tensor {
  let s = image;
  if (cropMode === "center") {
    const oldAspect = image.width / image.height;
    const newAspect = width / height;
    let x = 0;
    let y = 0;
    if (oldAspect > newAspect) x = Math.round((image.width - image.width * (newAspect / oldAspect)) / 2);
    else if (oldAspect < newAspect) y = Math.round((image.height - image.height * (oldAspect / newAspect)) / 2);
    s = crop(image, y, x, image.height - 2 * y, image.width - 2 * x);
  }
  if (method === "nearest-exact") return resizeNearest(s, height, width);
  if (method === "area") return resizeArea(s, height, width);
  return resizeBilinear(s, height, width);
}

function gaussianKernel(size: number, sigma: number): Float64Array {
  const k = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    const t = size === 1 ? 0 : -1 + (2 * i) / (size - 1);
    k[i] = Math.exp(-(t * t) / (2 * sigma * sigma));
  }
  const sum = k.reduce((a, b) => a + b, 0);
  return k.map((v) => v / sum);
}

/** ImageBlur: a separable Gaussian over linspace(-1, 1) with reflect padding, as in ComfyUI. */
function blur(image: Tensor, radius: number, sigma: number): Tensor {
  if (radius === 0) return image;
  const k = gaussianKernel(radius * 2 + 1, sigma);
  const { width: w, height: h, channels: c } = image;
  const reflect = (i: number, n: number) => (i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i);
  const pass = (src: Tensor, horizontal: boolean): Tensor => {
    const out = tensor(src.batch, h, w, c);
    for (let b = 0; b < src.batch; b++) {
      const o = b * h * w * c;
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          for (let ch = 0; ch < c; ch++) {
            let acc = 0;
            for (let j = -radius; j <= radius; j++) {
              const xx = horizontal ? reflect(x + j, w) : x;
              const yy = horizontal ? y : reflect(y + j, h);
              acc += k[j + radius]! * src.data[o + (yy * w + xx) * c + ch]!;
            }
            out.data[o + (y * w + x) * c + ch] = acc;
          }
        }
      }
    }
    return out;
  };
  return pass(pass(image, true), false);
}

const softLightG = (x: number) => (x <= 0.25 ? ((16 * x - 12) * x + 4) * x : Math.sqrt(x));

function blendMode(a: number, b: number, mode: string): number {
  switch (mode) {
    case "normal": return b;
    case "multiply": return a * b;
    case "screen": return 1 - (1 - a) * (1 - b);
    case "overlay": return a <= 0.5 ? 2 * a * b : 1 - 2 * (1 - a) * (1 - b);
    case "soft_light": return b <= 0.5 ? a - (1 - 2 * b) * a * (1 - a) : a + (2 * b - 1) * (softLightG(a) - a);
    case "difference": return a - b;
    default: throw new PyError("ValueError", `Unsupported blend mode: ${mode}`);
  }
}

/** torch broadcasting of two batch sizes, with torch's error text when it cannot. */
function broadcastBatch(a: number, b: number): number {
  if (a === b || b === 1) return a;
  if (a === 1) return b;
  throw new PyError("RuntimeError", `The size of tensor a (${a}) must match the size of tensor b (${b}) at non-singleton dimension 0`);
}

/** node_helpers / comfy composite(): paste `source` at (x, y), weighted by `mask` (1 = source). */
export function composite(destination: Tensor, source: Tensor, x: number, y: number, mask: Tensor | undefined, resizeSource: boolean): Tensor {
  const out = tensor(destination.batch, destination.height, destination.width, 3);
  out.data.set(destination.data);
  let src = resizeSource ? resizeBilinear(source, destination.height, destination.width) : source;
  src = repeatToBatch(src, destination.batch);
  const m = mask ? repeatToBatch(maskTo(mask, src.height, src.width), src.batch) : undefined;
  const left = Math.max(0, x);
  const top = Math.max(0, y);
  const visibleW = Math.min(src.width, destination.width - left);
  const visibleH = Math.min(src.height, destination.height - top);
  for (let b = 0; b < out.batch; b++) {
    for (let yy = 0; yy < visibleH; yy++) {
      for (let xx = 0; xx < visibleW; xx++) {
        const weight = m ? m.data[(b * m.height + yy) * m.width + xx]! : 1;
        const si = ((b * src.height + yy) * src.width + xx) * 3;
        const di = ((b * out.height + top + yy) * out.width + left + xx) * 3;
        for (let k = 0; k < 3; k++) out.data[di + k] = weight * src.data[si + k]! + (1 - weight) * out.data[di + k]!;
      }
    }
  }
  return out;
}

const nodesFrame = (line: number, func: string, code: string) => [frame("nodes.py", line, func, code)];
const extrasFrame = (file: string, line: number, code: string, marker = "") => [...V3_FRAMES, frame(`comfy_extras/${file}`, line, "execute", code, marker)];

export const imageNodes: Record<string, NodeImpl> = {
  ImageInvert: {
    frames: nodesFrame(1881, "invert", "s = 1.0 - image"),
    run: ({ image }) => ({ outputs: [map(image as Tensor, (v) => 1 - v)] }),
  },
  EmptyImage: {
    frames: nodesFrame(1935, "generate", "r = torch.full([batch_size, height, width, 1], ((color >> 16) & 0xFF) / 0xFF)"),
    run: ({ width, height, batch_size, color }) => {
      const c = color as number;
      const rgb = [((c >> 16) & 0xff) / 0xff, ((c >> 8) & 0xff) / 0xff, (c & 0xff) / 0xff];
      const out = tensor(batch_size as number, height as number, width as number, 3);
      for (let i = 0; i < out.data.length; i++) out.data[i] = rgb[i % 3]!;
      return { outputs: [out] };
    },
  },
  ImageScale: {
    frames: nodesFrame(1824, "upscale", "s = comfy.utils.common_upscale(samples, width, height, upscale_method, crop)"),
    run: ({ image, upscale_method, width, height, crop: cropMode }) => {
      const img = image as Tensor;
      let w = width as number;
      let h = height as number;
      if (w === 0 && h === 0) return { outputs: [img] };
      if (w === 0) w = Math.max(1, Math.round((img.width * h) / img.height));
      else if (h === 0) h = Math.max(1, Math.round((img.height * w) / img.width));
      return { outputs: [commonUpscale(img, w, h, upscale_method as string, cropMode as string)] };
    },
  },
  ImageBlend: {
    frames: extrasFrame("nodes_post_processing.py", 40, "blended_image = image1 * (1 - blend_factor) + blended_image * blend_factor", `${" ".repeat(20)}${"~".repeat(28)}^${"~".repeat(29)}`),
    run: ({ image1, image2, blend_factor, blend_mode }) => {
      const a = image1 as Tensor;
      let b = image2 as Tensor;
      if (a.height !== b.height || a.width !== b.width) b = commonUpscale(b, a.width, a.height, "bicubic", "center");
      const f = blend_factor as number;
      const mode = blend_mode as string;
      blendMode(0, 0, mode);
      const batch = broadcastBatch(a.batch, b.batch);
      const size = a.height * a.width * 3;
      const out = tensor(batch, a.height, a.width, 3);
      for (let n = 0; n < batch; n++) {
        const ao = (a.batch === 1 ? 0 : n) * size;
        const bo = (b.batch === 1 ? 0 : n) * size;
        for (let i = 0; i < size; i++) {
          const x = a.data[ao + i]!;
          const v = x * (1 - f) + blendMode(x, b.data[bo + i]!, mode) * f;
          out.data[n * size + i] = Math.min(1, Math.max(0, v));
        }
      }
      return { outputs: [out] };
    },
  },
  ImageBlur: {
    frames: extrasFrame("nodes_post_processing.py", 84, "blurred = F.conv2d(padded_image, kernel, padding=kernel_size // 2, groups=channels)[:,:,blur_radius:-blur_radius, blur_radius:-blur_radius]"),
    run: ({ image, blur_radius, sigma }) => ({ outputs: [blur(image as Tensor, blur_radius as number, sigma as number)] }),
  },
  ImageCompositeMasked: {
    frames: [frame("comfy_extras/nodes_mask.py", 33, "composite", "destination[:, :, top:bottom, left:right] = source_portion + destination_portion")],
    run: ({ destination, source, x, y, resize_source, mask }) => ({
      outputs: [composite(destination as Tensor, source as Tensor, x as number, y as number, mask as Tensor | undefined, resize_source as boolean)],
    }),
  },
};
