/** imgdiff comfy install: copies or links comfyui/ into a ComfyUI folder's custom_nodes/, and refuses other folders. */
import { lstat, mkdir, mkdtemp, readFile, readdir, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildExtension, copyExampleWorkflows, EXTENSION_DIR } from "../../scripts/build-extension.js";
import { extensionSource, installExtension } from "../../src/cli/comfy-install.js";
import { runCli } from "../support/cli.js";

let dir: string;
let bundle: string;

/** A manual-install ComfyUI folder: main.py and custom_nodes/. */
async function comfyFolder(name: string): Promise<string> {
  const root = join(dir, name);
  await mkdir(join(root, "custom_nodes"), { recursive: true });
  await writeFile(join(root, "main.py"), "# ComfyUI\n");
  return root;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgdiff-install-"));
  // The command installs this package's comfyui/ folder, so build the bundle there (npm run build does the same).
  bundle = await buildExtension();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("imgdiff comfy install", () => {
  it("finds this package's comfyui/ folder from its own module", async () => {
    expect(await extensionSource()).toBe(EXTENSION_DIR);
  });

  it("copies the folder into custom_nodes/comfyui-imgdiff", async () => {
    const root = await comfyFolder("manual");
    const r = await runCli(["comfy", "install", "--comfyui-dir", root]);
    expect(r.code, r.stderr).toBe(0);
    const target = join(root, "custom_nodes", "comfyui-imgdiff");
    expect(r.stdout).toContain(`copied comfyui-imgdiff into ${target}`);
    expect((await lstat(target)).isSymbolicLink()).toBe(false);
    expect(await readFile(join(target, "web", "js", "imgdiff.js"))).toEqual(await readFile(bundle));
    expect(await readFile(join(target, "__init__.py"), "utf8")).toContain('WEB_DIRECTORY = "./web/js"');
    expect((await readdir(target)).sort()).toEqual(expect.arrayContaining(["README.md", "__init__.py", "example_workflows", "pyproject.toml", "web"]));
    // ComfyUI imports every .js under the web directory: only the bundle may be there.
    expect(await readdir(join(target, "web", "js"))).toEqual(["imgdiff.js"]);
  });

  it("links the folder with --link, and a later copy replaces the link", async () => {
    const root = await comfyFolder("linked");
    const target = join(root, "custom_nodes", "comfyui-imgdiff");
    const r = await runCli(["comfy", "install", "--comfyui-dir", root, "--link"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("linked comfyui-imgdiff");
    expect((await lstat(target)).isSymbolicLink()).toBe(true);
    expect(await realpath(target)).toBe(await realpath(EXTENSION_DIR));

    await installExtension(EXTENSION_DIR, root, "copy");
    expect((await lstat(target)).isSymbolicLink()).toBe(false);
    expect(await readFile(join(target, "web", "js", "imgdiff.js"))).toEqual(await readFile(bundle));
  });

  it("refuses a folder that is not ComfyUI, saying what it expected, and writes nothing", async () => {
    const other = join(dir, "not-comfy");
    await mkdir(other);
    const r = await runCli(["comfy", "install", "--comfyui-dir", other]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`--comfyui-dir ${other} is not a ComfyUI folder: expected custom_nodes/ or main.py in it`);
    expect(await readdir(other)).toEqual([]);
  });

  it("asks for --comfyui-dir", async () => {
    const r = await runCli(["comfy", "install"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--comfyui-dir PATH is required");
    expect(r.stderr).toContain("imgdiff comfy install --comfyui-dir PATH [--link]");
  });

  it("accepts the Windows portable package's outer folder and installs into its ComfyUI/", async () => {
    const outer = join(dir, "ComfyUI_windows_portable");
    const inner = await comfyFolder(join("ComfyUI_windows_portable", "ComfyUI"));
    const result = await installExtension(EXTENSION_DIR, outer, "copy");
    expect(result.target).toBe(join(inner, "custom_nodes", "comfyui-imgdiff"));
    expect((await lstat(join(result.target, "__init__.py"))).isFile()).toBe(true);
  });

  it("accepts the desktop app's base folder (custom_nodes/ without main.py)", async () => {
    const base = join(dir, "Documents-ComfyUI");
    await mkdir(join(base, "custom_nodes"), { recursive: true });
    const result = await installExtension(EXTENSION_DIR, base, "link");
    expect(await realpath(result.target)).toBe(await realpath(EXTENSION_DIR));
  });

  it("does not replace a custom_nodes/comfyui-imgdiff that is not an ImgDiff install", async () => {
    const root = await comfyFolder("foreign");
    const target = join(root, "custom_nodes", "comfyui-imgdiff");
    await mkdir(target);
    await writeFile(join(target, "keep.txt"), "mine");
    await expect(installExtension(EXTENSION_DIR, root, "copy")).rejects.toThrow(`${target} exists and is not an ImgDiff install`);
    expect(await readFile(join(target, "keep.txt"), "utf8")).toBe("mine");
  });

  it("refuses to install an unbuilt extension", async () => {
    const root = await comfyFolder("unbuilt");
    await expect(installExtension(resolve(dir, "empty-source"), root, "copy")).rejects.toThrow("build the extension first (npm run build)");
  });
});

describe("example workflows for ComfyUI's template browser", () => {
  it("are the editor-format workflows (<name>.ui.json copied as <name>.json, and UI-format <name>.json as is); API files are left out", async () => {
    const source = join(dir, "workflows");
    const target = join(dir, "example_workflows");
    await mkdir(source);
    await writeFile(join(source, "synthetic-object-removal.ui.json"), '{"nodes":[]}');
    await writeFile(join(source, "synthetic-object-removal.json"), "{}");
    await writeFile(join(source, "sdxl-object-removal.json"), '{"nodes":[{"id":1}]}');
    await writeFile(join(source, "sdxl-object-removal.api.json"), '{"1":{"class_type":"X","inputs":{}}}');
    expect(await copyExampleWorkflows(source, target)).toEqual(["sdxl-object-removal.json", "synthetic-object-removal.json"]);
    expect(await readFile(join(target, "synthetic-object-removal.json"), "utf8")).toBe('{"nodes":[]}');
    expect(await readdir(target)).toEqual(["sdxl-object-removal.json", "synthetic-object-removal.json"]);
  });
});
