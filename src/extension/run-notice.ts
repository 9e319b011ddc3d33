/**
 * The notice shown instead of queueing a graph with ImgDiff nodes: ComfyUI's server cannot run
 * them (they are frontend-only there), so the user is told how to run the workflow with the
 * imgdiff command, and gets the workflow in the API format that command reads.
 */
import { browser, type Element } from "./browser.js";

export const NOTICE_ID = "imgdiff-run-notice";
export const NOTICE_TITLE = "ImgDiff nodes run outside ComfyUI";

export interface RunNotice {
  /** "Prompt pair #1" etc.: the nodes that made the graph unqueueable here. */
  readonly nodes: readonly string[];
  /** File name offered for the API-format export, e.g. "synthetic-object-removal.api.json". */
  readonly fileName: string;
  /** The API-format prompt including our nodes. */
  readonly prompt: unknown;
  /** The command line to run it. */
  readonly command: string;
  readonly version: string;
}

/** The command that runs an exported workflow: 100 samples into a folder named after it. */
export function runCommand(fileName: string): string {
  return `imgdiff run ${fileName} --count 100 --out ${fileName.replace(/\.api\.json$/, "")}-dataset`;
}

export function showRunNotice(notice: RunNotice): void {
  const { document } = browser;
  document.getElementById(NOTICE_ID)?.remove();
  const dialog = document.createElement("dialog");
  dialog.setAttribute("id", NOTICE_ID);
  dialog.style.cssText =
    "max-width:42rem;padding:1.2rem 1.4rem;border:1px solid #2b5a64;border-radius:8px;" +
    "background:var(--comfy-menu-bg,#222);color:var(--fg-color,#ddd);font:14px/1.45 sans-serif";

  const title = element("h3", NOTICE_TITLE);
  const count = notice.nodes.length;
  const intro = element(
    "p",
    `This workflow has ${count} ImgDiff node${count === 1 ? "" : "s"} (${notice.nodes.join(", ")}). ` +
      "ComfyUI's server does not execute them, so nothing was queued. Run the workflow with the imgdiff command " +
      `(npm package comfyui-imgdiff ${notice.version}):`,
  );
  const step1 = element("p", `1. Download the workflow in API format (${notice.fileName}).`);
  const step2 = element("p", "2. Run it:");
  const command = element("pre", notice.command);
  command.setAttribute("data-role", "command");
  command.style.cssText = "padding:.5rem .7rem;background:rgba(0,0,0,.35);border-radius:4px;white-space:pre-wrap;user-select:all";
  const more = element("p", "imgdiff --help lists the options (seed, concurrency, resuming a run).");
  more.style.cssText = "opacity:.75;font-size:12px";

  const download = button("Download workflow (API)", () => downloadJson(notice.fileName, notice.prompt));
  download.setAttribute("data-role", "download");
  const copy = button("Copy command", () => void browser.navigator.clipboard?.writeText(notice.command));
  const close = button("Close", () => {
    dialog.close();
    dialog.remove();
  });
  const buttons = element("div");
  buttons.style.cssText = "display:flex;gap:.5rem;justify-content:flex-end;margin-top:1rem";
  buttons.append(download, copy, close);

  dialog.append(title, intro, step1, step2, command, more, buttons);
  document.body.append(dialog);
  dialog.showModal();
}

function element(tag: string, text?: string): Element {
  const el = browser.document.createElement(tag);
  if (text !== undefined) el.textContent = text;
  return el;
}

function button(label: string, onClick: () => void): Element {
  const el = element("button", label);
  el.setAttribute("type", "button");
  el.addEventListener("click", onClick);
  return el;
}

function downloadJson(fileName: string, value: unknown): void {
  const url = browser.URL.createObjectURL(new Blob([`${JSON.stringify(value, null, 2)}\n`], { type: "application/json" }));
  const link = element("a");
  link.setAttribute("href", url);
  link.setAttribute("download", fileName);
  browser.document.body.append(link);
  link.click();
  link.remove();
  // Revoking at once can cancel the download in some browsers; a moment later it is done with.
  setTimeout(() => browser.URL.revokeObjectURL(url), 1000);
}
