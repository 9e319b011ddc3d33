/** comfy_extras/nodes_mask.py nodes on float masks. */
import { frame } from "../pyerror.js";
import { map, tensor, type Tensor } from "../tensors.js";
import type { NodeImpl } from "./types.js";

const masksFrame = (line: number, code: string) => [frame("comfy_extras/nodes_mask.py", line, "execute", code)];

/** scipy grey_dilation / grey_erosion with a 3x3 footprint (corners optional), edges clamped. */
function morph(mask: Tensor, grow: boolean, corners: boolean): Tensor {
  const out = tensor(mask.batch, mask.height, mask.width, 1);
  const { width: w, height: h } = mask;
  for (let b = 0; b < mask.batch; b++) {
    const o = b * w * h;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let v = grow ? -Infinity : Infinity;
        for (let dy = -1; dy <= 1; dy++) {
          for (let dx = -1; dx <= 1; dx++) {
            if (!corners && dx !== 0 && dy !== 0) continue;
            const yy = Math.min(h - 1, Math.max(0, y + dy));
            const xx = Math.min(w - 1, Math.max(0, x + dx));
            const s = mask.data[o + yy * w + xx]!;
            v = grow ? Math.max(v, s) : Math.min(v, s);
          }
        }
        out.data[o + y * w + x] = v;
      }
    }
  }
  return out;
}

export const maskNodes: Record<string, NodeImpl> = {
  SolidMask: {
    frames: masksFrame(38, "out = torch.full((1, height, width), value, dtype=torch.float32, device=\"cpu\")"),
    run: ({ value, width, height }) => ({ outputs: [tensor(1, height as number, width as number, 1, value as number)] }),
  },
  InvertMask: {
    frames: masksFrame(54, "out = 1.0 - mask"),
    run: ({ mask }) => ({ outputs: [map(mask as Tensor, (v) => 1 - v)] }),
  },
  MaskToImage: {
    frames: masksFrame(92, "result = mask.reshape((-1, 1, mask.shape[-2], mask.shape[-1])).movedim(1, -1).expand(-1, -1, -1, 3)"),
    run: ({ mask }) => {
      const m = mask as Tensor;
      const out = tensor(m.batch, m.height, m.width, 3);
      for (let i = 0; i < m.data.length; i++) out.data.fill(m.data[i]!, i * 3, i * 3 + 3);
      return { outputs: [out] };
    },
  },
  ImageToMask: {
    frames: masksFrame(110, "mask = image[:, :, :, channels.index(channel)]"),
    run: ({ image, channel }) => {
      const img = image as Tensor;
      const index = ["red", "green", "blue", "alpha"].indexOf(channel as string);
      if (index >= img.channels) throw new Error(`index ${index} is out of bounds for dimension 3 with size ${img.channels}`);
      const out = tensor(img.batch, img.height, img.width, 1);
      for (let i = 0; i < out.data.length; i++) out.data[i] = img.data[i * img.channels + index]!;
      return { outputs: [out] };
    },
  },
  GrowMask: {
    frames: masksFrame(341, "output = scipy.ndimage.grey_dilation(output, footprint=kernel)"),
    run: ({ mask, expand, tapered_corners }) => {
      let m = mask as Tensor;
      const n = expand as number;
      for (let i = 0; i < Math.abs(n); i++) m = morph(m, n > 0, !(tapered_corners as boolean));
      return { outputs: [m] };
    },
  },
  ThresholdMask: {
    frames: masksFrame(356, "mask = (mask > value).float()"),
    run: ({ mask, value }) => ({ outputs: [map(mask as Tensor, (v) => (v > (value as number) ? 1 : 0))] }),
  },
};
