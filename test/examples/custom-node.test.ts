import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lastJson, runExample } from "./support.js";

describe("examples/custom-node.ts", () => {
  it("registers its node, shows its object_info and tags the captions of the dataset", { timeout: 60_000 }, async () => {
    const out = mkdtempSync(join(tmpdir(), "imgdiff-example-custom-"));
    const { stdout } = await runExample("custom-node", [out, "[from-test]"]);
    const [first] = stdout.trim().split("\n");
    const info = (JSON.parse(first!) as { objectInfo: Record<string, unknown> }).objectInfo;
    expect(info).toMatchObject({ name: "Example.TagCaptions", category: "ImgDiff/examples", output: ["IMGDIFF_CAPTIONS"] });
    const summary = lastJson(stdout) as { accepted: number; failed: number };
    expect(summary.failed).toBe(0);
    expect(summary.accepted).toBeGreaterThan(0);
    const records = JSON.parse(readFileSync(join(out, "img_diff_object_replacement.json"), "utf8")) as { conversations: { value: string }[] }[];
    expect(records).toHaveLength(summary.accepted);
    for (const record of records) expect(record.conversations[1]!.value).toMatch(/^\[from-test\] /);
  });
});
