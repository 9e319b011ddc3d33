import path from "node:path";
import { describe, expect, it } from "vitest";
import { resolveInside, safeName } from "../../src/dataset/safe-path.js";
import { OutputPathError } from "../../src/errors.js";
import { createRng } from "../../src/util/rng.js";

const root = path.resolve("/tmp/imgdiff-root");

function codeOf(call: () => unknown): string {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(OutputPathError);
    return (error as OutputPathError).code;
  }
  throw new Error("expected a throw");
}

describe("resolveInside", () => {
  it("resolves plain relative paths inside the root", () => {
    expect(resolveInside(root, "images/000001_0_0.jpg")).toBe(path.join(root, "images", "000001_0_0.jpg"));
    expect(resolveInside(root, "metadata.jsonl")).toBe(path.join(root, "metadata.jsonl"));
  });

  it.each([
    ["../../etc/passwd", "PATH_OUTSIDE_OUTPUT"],
    ["images/../../x", "PATH_OUTSIDE_OUTPUT"],
    ["..", "PATH_OUTSIDE_OUTPUT"],
    ["/etc/passwd", "PATH_OUTSIDE_OUTPUT"],
    ["C:/Windows/x", "PATH_OUTSIDE_OUTPUT"],
    ["c:x", "PATH_OUTSIDE_OUTPUT"],
    ["a\u0000b.jpg", "PATH_INVALID_CHARACTER"],
    ["a\nb.jpg", "PATH_INVALID_CHARACTER"],
    ["images\\..\\..\\x", "PATH_INVALID_CHARACTER"],
    ["\\\\server\\share", "PATH_INVALID_CHARACTER"],
    ["file.jpg:stream", "PATH_INVALID_CHARACTER"],
    ["", "PATH_INVALID_NAME"],
    ["images//x.jpg", "PATH_INVALID_NAME"],
    ["images/", "PATH_INVALID_NAME"],
    ["./x.jpg", "PATH_INVALID_NAME"],
    [".hidden", "PATH_INVALID_NAME"],
    ["images/.x.jpg", "PATH_INVALID_NAME"],
    ["CON", "PATH_INVALID_NAME"],
    ["images/nul.jpg", "PATH_INVALID_NAME"],
    ["images/com1", "PATH_INVALID_NAME"],
    ["name.", "PATH_INVALID_NAME"],
    ["name ", "PATH_INVALID_NAME"],
    ["x".repeat(201), "PATH_NAME_TOO_LONG"],
    ["é".repeat(101), "PATH_NAME_TOO_LONG"], // 202 bytes in UTF-8
  ])("rejects %j with %s", (relative, code) => {
    expect(codeOf(() => resolveInside(root, relative))).toBe(code);
  });

  it("accepts a 200-byte name and a name with inner dots", () => {
    expect(resolveInside(root, "x".repeat(200))).toBe(path.join(root, "x".repeat(200)));
    expect(resolveInside(root, "a..b.jpg")).toBe(path.join(root, "a..b.jpg"));
  });

  it("names the offending value in the message, with control characters escaped", () => {
    expect(() => resolveInside(root, "../../etc/passwd")).toThrow(/"\.\.\/\.\.\/etc\/passwd"/);
    expect(() => resolveInside(root, "a\u0000b")).toThrow(/"a\\u0000b"/);
  });

  it("shortens very long values in the message", () => {
    const call = () => resolveInside(root, `${"y".repeat(5000)}/../x`);
    expect(codeOf(call)).toBe("PATH_OUTSIDE_OUTPUT");
    expect(call).toThrow(/5005 characters/);
    expect(() => call()).toThrow(expect.objectContaining({ message: expect.stringMatching(/^.{0,400}$/s) }));
  });
});

describe("safeName", () => {
  it.each([
    ["../../etc/passwd", "etc_passwd"],
    ["/absolute/path", "absolute_path"],
    ["a\u0000b", "a_b"],
    ["Crème brûlée", "Creme_brulee"],
    ["", "unnamed"],
    ["...", "unnamed"],
    ["con", "con_"],
    ["NUL.txt", "NUL_"],
    ["hot dog #2", "hot_dog_2"],
    ["run1.shard-2", "run1.shard-2"],
  ])("%j -> %j", (text, expected) => {
    expect(safeName(text)).toBe(expected);
  });

  it("caps the length at 100 characters", () => {
    expect(safeName("z".repeat(1000))).toHaveLength(100);
  });

  it("always yields a name that resolveInside accepts as one segment", () => {
    const rng = createRng("safeName fuzz");
    const alphabet = ["a", "Z", "0", ".", "/", "\\", "\u0000", "\n", " ", ":", "é", "😀", "-", "_", "..", "CON", "*"];
    for (let i = 0; i < 500; i++) {
      const text = Array.from({ length: rng.int(0, 30) }, () => rng.pick(alphabet)).join("");
      const name = safeName(text);
      expect(resolveInside(root, name)).toBe(path.join(root, name));
      expect(name).not.toContain("/");
    }
  });
});
