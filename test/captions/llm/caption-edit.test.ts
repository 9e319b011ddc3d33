import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captionEditPrompt, cleanAnswer, editCaption, filterEditedCaption } from "../../../src/captions/llm/caption-edit.js";
import { createEndpoint } from "../../../src/captions/llm/endpoint.js";
import { createModelClient } from "../../../src/captions/llm/model-client.js";
import { startFakeLlm, type FakeLlm } from "../../support/fake-llm.js";

const CAPTION = "A dog sitting on a wooden bench in a sunny park.";

describe("filterEditedCaption (the paper's filters and the one-object check)", () => {
  it("accepts a one-object replacement and describes the edit", () => {
    const result = filterEditedCaption(CAPTION, "A cat sitting on a wooden bench in a sunny park.");
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.edit).toMatchObject({
      kind: "replace",
      source: "dog",
      target: "cat",
      category: "animal",
      sourcePrompt: CAPTION,
      editedPrompt: "A cat sitting on a wooden bench in a sunny park.",
    });
  });

  it("accepts multi-word objects and drops their articles", () => {
    const result = filterEditedCaption(CAPTION, "A dog sitting on an old red sofa in a sunny park.");
    expect(result.ok && [result.edit.source, result.edit.target]).toEqual(["wooden bench", "old red sofa"]);
  });

  it.each([
    ["A cat has replaced the dog on the bench.", "caption_edit_meta_words"],
    ["Modified: A cat sitting on a wooden bench in a sunny park.", "caption_edit_meta_words"],
    ["The dog has become a cat sitting on a wooden bench in a sunny park.", "caption_edit_meta_words"],
    ["   ", "caption_edit_empty"],
    ["a dog sitting on a wooden bench in a sunny park", "caption_edit_unchanged"],
    ["A cat sitting on a wooden chair in a sunny park.", "caption_edit_not_one_object"],
    ["A dog sitting under a wooden bench in a sunny park.", "caption_edit_not_one_object"],
    ["A dog sitting on a bench in a sunny park.", "caption_edit_not_one_object"],
    ["Two horses grazing in a wide green field under a cloudy sky.", "caption_edit_not_one_object"],
  ])("rejects %j as %s", (answer, reason) => {
    const result = filterEditedCaption(CAPTION, answer);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toBe(reason);
  });

  it("keeps only the part after the last --- and strips quotes, as gen.py does", () => {
    expect(cleanAnswer('Sure.\n---\nDraft\n---\n "A cat on a mat." ')).toBe("A cat on a mat.");
    const result = filterEditedCaption(CAPTION, "Here you go:\n---\nA horse sitting on a wooden bench in a sunny park.");
    expect(result.ok && result.edit.target).toBe("horse");
  });
});

describe("editCaption against a fake server", () => {
  let fake: FakeLlm;
  let reply = "";
  beforeAll(async () => {
    fake = await startFakeLlm({ answer: () => reply });
  });
  afterAll(() => fake.close());

  for (const api of ["openai", "ollama"] as const) {
    it(`sends the paper's prompt at temperature 0.8 over ${api}`, async () => {
      reply = "A bicycle sitting on a wooden bench in a sunny park.";
      const client = createModelClient(createEndpoint({ url: fake.url, model: "qwen2.5:7b", api, env: {} }));
      const result = await editCaption(client, CAPTION, { seed: 11 });
      expect(result.ok && result.edit.target).toBe("bicycle");
      const call = fake.chatCalls().at(-1)!;
      expect(call.prompt).toBe(
        'Here is a sentence: "A dog sitting on a wooden bench in a sunny park.". Please replace one entity in this sentence with another entity, ' +
          "such as an animal, a vehicle, or a piece of furniture. Please only answer with the replaced sentence.",
      );
      expect(call.prompt).toBe(captionEditPrompt(CAPTION));
      const body = call.request.body as Record<string, unknown>;
      if (api === "openai") expect(body).toMatchObject({ temperature: 0.8, max_tokens: 128, seed: 11 });
      else expect(body).toMatchObject({ options: { temperature: 0.8, num_predict: 128, seed: 11 } });
    });
  }

  it("returns the rejection when the answer fails a filter", async () => {
    reply = "I replaced the dog with a cat.";
    const client = createModelClient(createEndpoint({ url: fake.url, model: "m", api: "ollama", env: {} }));
    const result = await editCaption(client, CAPTION);
    expect(result).toMatchObject({ ok: false, reason: "caption_edit_meta_words", edited: "I replaced the dog with a cat." });
  });
});
