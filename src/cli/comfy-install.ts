/**
 * imgdiff comfy install --comfyui-dir PATH [--link]: puts the ComfyUI extension folder (comfyui/
 * of this package) into PATH/custom_nodes/comfyui-imgdiff, as a copy or (--link) a symbolic link
 * (a junction on Windows) that follows later builds.
 */
import { cp, lstat, mkdir, readFile, rm, stat, symlink } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "./args.js";
import { UsageError } from "./usage-error.js";
import { ImgDiffError } from "../errors.js";

export const PACK_FOLDER = "comfyui-imgdiff";
const BUNDLE = join("web", "js", "imgdiff.js");

export interface InstallResult {
  readonly comfyuiDir: string;
  readonly target: string;
  readonly mode: "copy" | "link";
}

export async function comfyInstall(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parse(argv, { "comfyui-dir": { type: "string" }, link: { type: "boolean", default: false } });
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
  if (!values["comfyui-dir"]) throw new UsageError("--comfyui-dir PATH is required: the ComfyUI folder (the one with main.py or custom_nodes/)");
  const result = await installExtension(await extensionSource(), values["comfyui-dir"], values.link ? "link" : "copy");
  process.stdout.write(
    `${result.mode === "link" ? "linked" : "copied"} ${PACK_FOLDER} into ${result.target}\n` +
      "restart ComfyUI (or reload the browser page if it was started after this) to load the ImgDiff nodes\n",
  );
  return 0;
}

/** This package's comfyui/ folder, found from this module up to the package root (src or dist). */
export async function extensionSource(from = dirname(fileURLToPath(import.meta.url))): Promise<string> {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = await readFile(join(dir, "package.json"), "utf8").catch(() => undefined);
    if (manifest !== undefined && (JSON.parse(manifest) as { name?: string }).name === "comfyui-imgdiff") return join(dir, "comfyui");
    if (dirname(dir) === dir) throw new ImgDiffError("EXTENSION_NOT_FOUND", `cannot find the comfyui-imgdiff package root above ${from}`);
  }
}

export async function installExtension(source: string, comfyuiPath: string, mode: "copy" | "link"): Promise<InstallResult> {
  const comfyuiDir = await comfyuiRoot(resolve(comfyuiPath));
  if (!(await isFile(join(source, BUNDLE)))) {
    throw new ImgDiffError("EXTENSION_NOT_BUILT", `${join(source, BUNDLE)} does not exist: build the extension first (npm run build)`);
  }
  const customNodes = join(comfyuiDir, "custom_nodes");
  await mkdir(customNodes, { recursive: true });
  const target = join(customNodes, PACK_FOLDER);
  await removePreviousInstall(target);
  if (mode === "link") await symlink(resolve(source), target, "junction");
  else await cp(source, target, { recursive: true, filter: (path) => !/[\\/]__pycache__$/.test(path) });
  return { comfyuiDir, target, mode };
}

/**
 * PATH itself if it is a ComfyUI folder (custom_nodes/ or main.py in it: a manual install, or the
 * desktop app's base path), or PATH/ComfyUI for the Windows portable package's outer folder.
 */
async function comfyuiRoot(path: string): Promise<string> {
  if (!(await isDirectory(path))) throw new ImgDiffError("COMFYUI_DIR_NOT_FOUND", `--comfyui-dir ${path} is not a folder`);
  const looksLikeComfyUI = async (dir: string) => (await isDirectory(join(dir, "custom_nodes"))) || (await isFile(join(dir, "main.py")));
  if (await looksLikeComfyUI(path)) return path;
  if (await looksLikeComfyUI(join(path, "ComfyUI"))) return join(path, "ComfyUI");
  throw new ImgDiffError(
    "NOT_A_COMFYUI_DIR",
    `--comfyui-dir ${path} is not a ComfyUI folder: expected custom_nodes/ or main.py in it (or in ${join(path, "ComfyUI")})`,
  );
}

/** Replaces an earlier install of ours (a link, or a folder with our bundle); refuses anything else. */
async function removePreviousInstall(target: string): Promise<void> {
  const info = await lstat(target).catch(() => undefined);
  if (info === undefined) return;
  if (info.isSymbolicLink() || (info.isDirectory() && (await isFile(join(target, BUNDLE))))) {
    await rm(target, { recursive: true, force: true });
    return;
  }
  throw new ImgDiffError("INSTALL_TARGET_EXISTS", `${target} exists and is not an ImgDiff install: move it away, then install again`);
}

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false;
}

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}
