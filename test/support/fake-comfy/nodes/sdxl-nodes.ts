/**
 * SDXL-shaped nodes emulated without a model, deterministically. A LATENT is the image it
 * stands for (pixel resolution, sizes cropped to multiples of 8 like a VAE), so VAEDecode and
 * VAEEncode are exact. KSampler paints content that depends only on the positive prompt text,
 * the seed and the batch index, and changes only pixels under the latent's noise mask: an
 * ImageCompositeMasked paste-back therefore leaves every pixel outside the mask identical, while
 * prompts X and Y (or two seeds) differ inside it.
 */
import { createRng } from "../../../../src/util/rng.js";
import { frame } from "../pyerror.js";
import { crop, maskTo, repeatToBatch, tensor, type Conditioning, type Latent, type ModelHandle, type Tensor } from "../tensors.js";
import type { NodeImpl } from "./types.js";

const nodesFrame = (line: number, func: string, code: string) => [frame("nodes.py", line, func, code)];

/** vae_encode_crop_pixels: centre-crop to multiples of 8. */
function cropTo8(t: Tensor): Tensor {
  const h = Math.floor(t.height / 8) * 8;
  const w = Math.floor(t.width / 8) * 8;
  if (h === t.height && w === t.width) return t;
  return crop(t, Math.floor((t.height % 8) / 2), Math.floor((t.width % 8) / 2), h, w);
}

const textOf = (c: unknown): string => (Array.isArray(c) ? c : [c]).map((x) => (x as Conditioning).text).join(" | ");

/** The picture a prompt and seed "generate": a gradient and a few ellipses. */
function paint(text: string, seed: number, index: number, height: number, width: number): Float32Array {
  const rng = createRng("fake-comfy-ksampler", text, seed, index);
  const color = () => [rng.float(0, 1), rng.float(0, 1), rng.float(0, 1)] as const;
  const from = color();
  const to = color();
  const angle = rng.float(0, 2 * Math.PI);
  const shapes = Array.from({ length: 4 }, () => ({ cx: rng.float(0.1, 0.9), cy: rng.float(0.1, 0.9), rx: rng.float(0.08, 0.35), ry: rng.float(0.08, 0.35), c: color() }));
  const out = new Float32Array(height * width * 3);
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  // Written straight into the buffer, no per-pixel arrays: this fake's CPU shares the machine
  // with the client under test in the benches.
  for (let y = 0; y < height; y++) {
    const v = (y + 0.5) / height;
    for (let x = 0; x < width; x++) {
      const u = (x + 0.5) / width;
      const t = Math.min(1, Math.max(0, (u - 0.5) * cos + (v - 0.5) * sin + 0.5));
      let r = from[0] * (1 - t) + to[0] * t;
      let g = from[1] * (1 - t) + to[1] * t;
      let b = from[2] * (1 - t) + to[2] * t;
      for (const s of shapes) {
        const dx = (u - s.cx) / s.rx;
        const dy = (v - s.cy) / s.ry;
        if (dx * dx + dy * dy <= 1) [r, g, b] = s.c;
      }
      const i = (y * width + x) * 3;
      out[i] = r;
      out[i + 1] = g;
      out[i + 2] = b;
    }
  }
  return out;
}

/** The latent after sampling `fraction` of the way: original outside the mask, new inside. */
function sample(latent: Latent, text: string, seed: number, denoise: number, fraction: number): Tensor {
  const src = latent.samples;
  const out = tensor(src.batch, src.height, src.width, 3);
  const mask = latent.noise_mask ? repeatToBatch(maskTo(latent.noise_mask, src.height, src.width), src.batch) : undefined;
  const strength = denoise * fraction;
  const size = src.height * src.width;
  for (let b = 0; b < src.batch; b++) {
    const painted = paint(text, seed, b, src.height, src.width);
    for (let p = 0; p < size; p++) {
      const m = mask ? mask.data[b * size + p]! : 1;
      for (let k = 0; k < 3; k++) {
        const i = (b * size + p) * 3 + k;
        const orig = src.data[i]!;
        const mixed = orig * (1 - strength) + painted[p * 3 + k]! * strength;
        out.data[i] = m === 0 ? orig : orig * (1 - m) + mixed * m;
      }
    }
  }
  return out;
}

/** Grey out (0.5) the pixels where round(mask) == 1, as the inpainting encoders do. */
function greyMasked(pixels: Tensor, mask: Tensor): Tensor {
  const out = tensor(pixels.batch, pixels.height, pixels.width, 3);
  const m = repeatToBatch(mask, pixels.batch);
  for (let i = 0; i < pixels.data.length; i++) {
    const keep = 1 - Math.round(m.data[Math.floor(i / 3)]!);
    out.data[i] = (pixels.data[i]! - 0.5) * keep + 0.5;
  }
  return out;
}

/** The mask resized to the pixels and cropped like them. */
function maskFor(pixels: Tensor, mask: Tensor): Tensor {
  return cropTo8(maskTo(mask, pixels.height, pixels.width));
}

/** conv2d(mask.round(), ones(g, g), padding=ceil((g-1)/2)) clamped and rounded: grow by g. */
function growBy(mask: Tensor, g: number): Tensor {
  if (g === 0) return mask;
  const pad = Math.ceil((g - 1) / 2);
  const out = tensor(mask.batch, mask.height, mask.width, 1);
  const { width: w, height: h } = mask;
  for (let b = 0; b < mask.batch; b++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let hit = 0;
        for (let yy = Math.max(0, y - pad); yy < Math.min(h, y - pad + g) && !hit; yy++) {
          for (let xx = Math.max(0, x - pad); xx < Math.min(w, x - pad + g); xx++) {
            if (Math.round(mask.data[(b * h + yy) * w + xx]!) >= 1) {
              hit = 1;
              break;
            }
          }
        }
        out.data[(b * h + y) * w + x] = hit;
      }
    }
  }
  return out;
}

export const sdxlNodes: Record<string, NodeImpl> = {
  CheckpointLoaderSimple: {
    frames: nodesFrame(580, "load_checkpoint", "out = comfy.sd.load_checkpoint_guess_config(ckpt_path, output_vae=True, output_clip=True, embedding_directory=folder_paths.get_folder_paths(\"embeddings\"))"),
    run: ({ ckpt_name }) => {
      const ckpt = String(ckpt_name);
      const handle = (kind: ModelHandle["kind"]): ModelHandle => ({ kind, ckpt });
      return { outputs: [handle("MODEL"), handle("CLIP"), handle("VAE")] };
    },
  },
  CLIPTextEncode: {
    frames: nodesFrame(77, "encode", "return (clip.encode_from_tokens_scheduled(tokens), )"),
    run: ({ text }) => ({ outputs: [[{ text: String(text) } satisfies Conditioning]] }),
  },
  EmptyLatentImage: {
    frames: nodesFrame(1174, "generate", "latent = torch.zeros([batch_size, 4, height // 8, width // 8], device=self.device)"),
    run: ({ width, height, batch_size }) => {
      const w = Math.floor((width as number) / 8) * 8;
      const h = Math.floor((height as number) / 8) * 8;
      return { outputs: [{ samples: tensor(batch_size as number, h, w, 3) } satisfies Latent] };
    },
  },
  KSampler: {
    frames: nodesFrame(1525, "sample", "return common_ksampler(model, seed, steps, cfg, sampler_name, scheduler, positive, negative, latent_image, denoise=denoise)"),
    run: async ({ seed, steps, denoise, positive, latent_image }, ctx) => {
      const latent = latent_image as Latent;
      const text = textOf(positive);
      const total = steps as number;
      for (let i = 1; i <= total; i++) {
        await ctx.step(i, total, () => sample(latent, text, seed as number, denoise as number, i / total));
      }
      return { outputs: [{ ...latent, samples: sample(latent, text, seed as number, denoise as number, 1) } satisfies Latent] };
    },
  },
  VAEDecode: {
    frames: nodesFrame(294, "decode", "images = vae.decode(samples[\"samples\"])"),
    run: ({ samples }) => ({ outputs: [(samples as Latent).samples] }),
  },
  VAEEncode: {
    frames: nodesFrame(326, "encode", "t = vae.encode(pixels[:,:,:,:3])"),
    run: ({ pixels }) => ({ outputs: [{ samples: cropTo8(pixels as Tensor) } satisfies Latent] }),
  },
  SetLatentNoiseMask: {
    frames: nodesFrame(1602, "set_mask", "s[\"noise_mask\"] = mask.reshape((-1, 1, mask.shape[-2], mask.shape[-1]))"),
    run: ({ samples, mask }) => ({ outputs: [{ ...(samples as Latent), noise_mask: mask as Tensor } satisfies Latent] }),
  },
  VAEEncodeForInpaint: {
    frames: nodesFrame(379, "encode", "t = vae.encode(pixels)"),
    run: ({ pixels, mask, grow_mask_by }) => {
      const px = cropTo8(pixels as Tensor);
      const m = maskFor(pixels as Tensor, mask as Tensor);
      return { outputs: [{ samples: greyMasked(px, m), noise_mask: growBy(m, grow_mask_by as number) } satisfies Latent] };
    },
  },
  InpaintModelConditioning: {
    frames: nodesFrame(418, "encode", "concat_latent = vae.encode(pixels)"),
    run: ({ positive, negative, pixels, mask, noise_mask }) => {
      const px = cropTo8(pixels as Tensor);
      const m = maskFor(pixels as Tensor, mask as Tensor);
      const concat = greyMasked(px, m);
      const attach = (c: unknown) => (c as Conditioning[]).map((x) => ({ ...x, concatImage: concat, concatMask: m }));
      const latent: Latent = noise_mask ? { samples: px, noise_mask: m } : { samples: px };
      return { outputs: [attach(positive), attach(negative), latent] };
    },
  },
};
