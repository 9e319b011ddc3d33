import { mkdirSync, mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveInsideNoLinks } from "../../src/dataset/safe-path.js";

describe("resolveInsideNoLinks", () => {
  it("refuses a subfolder that passes through a symbolic link, at any depth", () => {
    const root = mkdtempSync(join(tmpdir(), "imgdiff-links-"));
    const elsewhere = mkdtempSync(join(tmpdir(), "imgdiff-elsewhere-"));
    symlinkSync(elsewhere, join(root, "a"));
    mkdirSync(join(root, "plain"));
    expect(() => resolveInsideNoLinks(root, "a")).toThrow(/symbolic link/);
    expect(() => resolveInsideNoLinks(root, "a/b")).toThrow(/symbolic link/);
    expect(resolveInsideNoLinks(root, "plain/new")).toBe(join(root, "plain/new"));
    expect(() => resolveInsideNoLinks(root, "../x")).toThrow();
  });
});
