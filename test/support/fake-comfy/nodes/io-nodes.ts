/** LoadImage, LoadImageMask, SaveImage and PreviewImage on the server's folders. */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { basename, dirname, join, normalize } from "node:path";
import { inputFile, inside, sha256, type Folders } from "../folders.js";
import { channelMask, decodeImage, encodeRgbPng, imageTensor, toRgb8 } from "../png.js";
import { pyJsonDumps } from "../py.js";
import { PyError, frame } from "../pyerror.js";
import { tensor, type Tensor } from "../tensors.js";
import type { NodeContext, NodeImpl } from "./types.js";

function fileOf(name: unknown, folders: Folders): string {
  const file = inputFile(String(name), folders);
  if (!file) throw new PyError("FileNotFoundError", `[Errno 2] No such file or directory: '${String(name)}'`);
  return file;
}

function hashOf(name: unknown, folders: Folders): string | undefined {
  try {
    return sha256(readFileSync(fileOf(name, folders)));
  } catch {
    return undefined;
  }
}

/** folder_paths.get_save_image_path: subfolder from the prefix, counter after existing files. */
function savePath(prefix: string, outputDir: string, width: number, height: number): { dir: string; name: string; counter: number; subfolder: string } {
  let p = prefix;
  if (p.includes("%")) {
    const now = new Date();
    const two = (n: number) => String(n).padStart(2, "0");
    p = p
      .replaceAll("%width%", String(width))
      .replaceAll("%height%", String(height))
      .replaceAll("%year%", String(now.getFullYear()))
      .replaceAll("%month%", two(now.getMonth() + 1))
      .replaceAll("%day%", two(now.getDate()))
      .replaceAll("%hour%", two(now.getHours()))
      .replaceAll("%minute%", two(now.getMinutes()))
      .replaceAll("%second%", two(now.getSeconds()));
  }
  const norm = normalize(p);
  const subfolder = dirname(norm) === "." ? "" : dirname(norm);
  const name = basename(norm);
  const dir = join(outputDir, subfolder);
  if (!inside(outputDir, dir)) {
    throw new PyError("Exception", `**** ERROR: Saving image outside the output folder is not allowed.\n full_output_folder: ${dir}\n         output_dir: ${outputDir}\n         commonpath: ${outputDir}`);
  }
  mkdirSync(dir, { recursive: true });
  let max = 0;
  for (const file of readdirSync(dir)) {
    const head = file.slice(0, name.length + 1);
    if (head.slice(0, -1) !== name || head.at(-1) !== "_") continue;
    const digits = Number.parseInt(file.slice(name.length + 1).split("_")[0] ?? "", 10);
    max = Math.max(max, /^\d+$/.test(file.slice(name.length + 1).split("_")[0] ?? "") ? digits : 0);
  }
  return { dir, name, counter: max + 1, subfolder };
}

async function saveImages(images: Tensor, prefix: string, type: "output" | "temp", compression: number, ctx: NodeContext) {
  const outputDir = ctx.folders[type];
  const { dir, name, counter, subfolder } = savePath(prefix, outputDir, images.width, images.height);
  const texts: Array<[string, string]> = [["prompt", pyJsonDumps(ctx.pngPrompt, (path) => path.length === 3 && path[1] === "inputs" && ctx.floats.has(`${path[0]}\u0000${path[2]}`))]];
  const extra = ctx.extraPnginfo;
  if (extra !== null && typeof extra === "object" && !Array.isArray(extra)) {
    for (const [key, value] of Object.entries(extra)) texts.push([key, pyJsonDumps(value)]);
  }
  const results = [];
  for (let b = 0; b < images.batch; b++) {
    const file = `${name.replaceAll("%batch_num%", String(b))}_${String(counter + b).padStart(5, "0")}_.png`;
    const png = await encodeRgbPng(toRgb8(images, b), images.width, images.height, compression, texts);
    writeFileSync(join(dir, file), png);
    results.push({ filename: file, subfolder, type });
  }
  return { outputs: [], ui: { images: results } };
}

const loadFrame = (line: number, func: string, code: string) => [frame("nodes.py", line, func, code)];

export const ioNodes: Record<string, NodeImpl> = {
  LoadImage: {
    frames: loadFrame(1689, "load_image", "img = node_helpers.pillow(Image.open, image_path)"),
    isChanged: ({ image }, folders) => hashOf(image, folders),
    run: async ({ image }, ctx) => {
      const decoded = await decodeImage(readFileSync(fileOf(image, ctx.folders)));
      const mask = decoded.hasAlpha ? channelMask(decoded, 3, true) : tensor(1, 64, 64, 1);
      return { outputs: [imageTensor(decoded), mask] };
    },
  },
  LoadImageMask: {
    frames: loadFrame(1781, "load_image", "i = node_helpers.pillow(Image.open, image_path)"),
    isChanged: ({ image }, folders) => hashOf(image, folders),
    run: async ({ image, channel }, ctx) => {
      const decoded = await decodeImage(readFileSync(fileOf(image, ctx.folders)));
      const c = ["red", "green", "blue", "alpha"].indexOf(String(channel));
      return { outputs: [channelMask(decoded, c, c === 3)] };
    },
  },
  SaveImage: {
    frames: loadFrame(1597, "save_images", "img.save(os.path.join(full_output_folder, file), pnginfo=metadata, compress_level=self.compress_level)"),
    run: ({ images, filename_prefix }, ctx) => saveImages(images as Tensor, String(filename_prefix), "output", 4, ctx),
  },
  PreviewImage: {
    frames: loadFrame(1597, "save_images", "img.save(os.path.join(full_output_folder, file), pnginfo=metadata, compress_level=self.compress_level)"),
    run: ({ images }, ctx) => saveImages(images as Tensor, `ComfyUI${ctx.previewPrefix()}`, "temp", 1, ctx),
  },
};
