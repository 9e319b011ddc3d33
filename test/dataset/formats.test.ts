import { describe, expect, it } from "vitest";
import { REPLACEMENT_QUESTION, removalQuestion } from "../../src/captions/questions.js";
import {
  answerLetter,
  llavaRecord,
  metadataLine,
  MetadataLineSchema,
  removalRecord,
  RemovalRecordSchema,
  replacementRecord,
  ReplacementRecordSchema,
  sampleFiles,
} from "../../src/dataset/formats.js";
import { region, removeEdit, replaceEdit } from "./support.js";

const files = sampleFiles("000042_1", "jpg");
const size = { width: 1024, height: 1024 };
const reg = region([880, 420, 1004, 553]);

describe("record builders", () => {
  it("names the files as the release does", () => {
    expect(files).toEqual({
      path: "./images/000042_1",
      left: "images/000042_1_0.jpg",
      right: "images/000042_1_1.jpg",
      composite: "images/000042_1.jpg",
    });
  });

  it("builds the replacement record with bbox as a string", () => {
    const record = replacementRecord(files, reg, size);
    expect(ReplacementRecordSchema.parse(record)).toEqual(record);
    expect(record.bbox).toBe("[0.86, 0.41, 0.98, 0.54]");
    expect(record.conversations[0].value).toBe(REPLACEMENT_QUESTION);
    expect(record.conversations[1].value).toBe(reg.difference);
  });

  it("builds the removal record with bbox as a list and the answer from the object's side", () => {
    for (const side of ["left", "right"] as const) {
      const record = removalRecord(files, reg, size, side);
      expect(RemovalRecordSchema.parse(record)).toEqual(record);
      expect(record.bbox).toEqual([0.86, 0.41, 0.98, 0.54]);
      expect(record.conversations[0].value).toBe(removalQuestion(reg.caption1));
      expect(record.conversations[1].value).toBe(side === "left" ? "A" : "B");
      expect(record.answer_side).toBe(side);
    }
    expect(answerLetter("left")).toBe("A");
    expect(answerLetter("right")).toBe("B");
  });

  it("builds the LLaVA record over the composite with the image token", () => {
    expect(llavaRecord("000042_1", files, "Q?", "A.")).toEqual({
      id: "000042_1",
      image: "images/000042_1.jpg",
      conversations: [
        { from: "human", value: "<image>\nQ?" },
        { from: "gpt", value: "A." },
      ],
    });
  });

  it("builds a metadata line whose fixed columns win over extra ones", () => {
    const line = metadataLine({
      id: "000042_1",
      files,
      fileName: files.composite,
      kind: "replace",
      edit: replaceEdit,
      region: reg,
      size,
      objectSide: null,
      question: REPLACEMENT_QUESTION,
      answer: reg.difference,
      sampleIndex: 42,
      regionIndex: 1,
      extra: { score: 0.5, id: "spoofed", file_name: "../x" },
    });
    expect(MetadataLineSchema.parse(line)).toEqual(line);
    expect(line).toMatchObject({ id: "000042_1", file_name: "images/000042_1.jpg", score: 0.5, target_object: "cat" });
  });

  it("swaps the captions with the sides of a removal sample", () => {
    const common = {
      id: "x_0", files, fileName: files.composite, kind: "remove" as const, edit: removeEdit, region: reg, size,
      question: "q", answer: "B", sampleIndex: 0, regionIndex: 0,
    };
    const right = metadataLine({ ...common, objectSide: "right" });
    expect([right.captions1, right.captions2]).toEqual([reg.caption2, reg.caption1]);
    const left = metadataLine({ ...common, objectSide: "left" });
    expect([left.captions1, left.captions2]).toEqual([reg.caption1, reg.caption2]);
    expect(left.target_object).toBeNull();
  });

  it("schemas reject a bbox string without two decimals and a path outside images/", () => {
    const good = replacementRecord(files, reg, size);
    expect(ReplacementRecordSchema.safeParse({ ...good, bbox: "[0.5, 0.41, 0.98, 0.54]" }).success).toBe(false);
    expect(ReplacementRecordSchema.safeParse({ ...good, image_left: "../images/x.jpg" }).success).toBe(false);
    expect(RemovalRecordSchema.safeParse({ ...removalRecord(files, reg, size, "left"), bbox: [0, 0, 1.5, 1] }).success).toBe(false);
  });
});

describe("metadata of a removal cut from a replace edit", () => {
  it("has no target object", () => {
    const line = metadataLine({
      id: "x_0", files, fileName: files.composite, kind: "remove", edit: replaceEdit, region: reg, size,
      objectSide: "left", question: "q", answer: "A", sampleIndex: 0, regionIndex: 0,
    });
    expect(line.target_object).toBeNull();
    expect(line.source_object).toBe("dog");
  });
});
