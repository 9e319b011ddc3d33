/**
 * The few browser globals the extension touches, typed structurally. The project's type check
 * runs without the DOM library (the rest of the code is Node), so the extension names only what
 * it uses instead of pulling DOM types into every file.
 */
export interface Element {
  textContent: string | null;
  className: string;
  style: { cssText: string };
  append(...children: (Element | string)[]): void;
  setAttribute(name: string, value: string): void;
  addEventListener(type: string, listener: () => void): void;
  remove(): void;
  click(): void;
}

export interface DialogElement extends Element {
  showModal(): void;
  close(): void;
}

interface BrowserGlobals {
  document: {
    body: Element;
    createElement(tag: "dialog"): DialogElement;
    createElement(tag: string): Element;
    getElementById(id: string): Element | null;
  };
  URL: { createObjectURL(blob: Blob): string; revokeObjectURL(url: string): void };
  navigator: { clipboard?: { writeText(text: string): Promise<void> } };
}

export const browser = globalThis as unknown as BrowserGlobals;
