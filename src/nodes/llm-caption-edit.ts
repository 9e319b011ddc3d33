import { blocked, defineNode } from "./define.js";
import { float, int, output, string } from "./inputs.js";
import { SEED_LIMIT } from "../run/seed-control.js";
import { editCaption } from "../captions/llm/caption-edit.js";
import { clientFromWidgets, endpointWidgets } from "../captions/llm/endpoint-widgets.js";

export const LLMCaptionEdit = defineNode({
  type: "ImgDiff.LLMCaptionEdit",
  displayName: "ImgDiff LLM Caption Edit",
  category: "ImgDiff/prompts",
  description:
    "The paper's caption editing: an LLM server replaces one object in a caption (Img-Diff's prompt, temperature 0.8). Answers that mention the edit (\"replac\", \"modified\", \"become\"), are empty, or change more or less than one object are filtered out. The offline default is ImgDiff Prompt Pair (the lexicon).",
  inputs: {
    caption: string({ default: "A dog sitting on a wooden bench in a sunny park.", multiline: true, tooltip: "The caption of image A." }),
    ...endpointWidgets({ url: "http://127.0.0.1:11434", model: "qwen2.5:7b-instruct", api: "ollama" }),
    temperature: float({ default: 0.8, min: 0, max: 2, step: 0.05, tooltip: "Img-Diff samples at 0.8 for diversity." }),
    seed: int({ default: 0, min: 0, max: SEED_LIMIT, control_after_generate: "randomize", tooltip: "Sampling seed sent to the server." }),
  },
  outputs: {
    edit: output("IMGDIFF_EDIT", "The edit: source and target object, both captions as prompts."),
    source_prompt: output("STRING", "The caption (prompt of image A)."),
    edited_prompt: output("STRING", "The edited caption (prompt of image B)."),
  },
  run: async ({ caption, temperature, seed, ...widgets }, context) => {
    const client = clientFromWidgets(widgets, context);
    const result = await editCaption(client, caption, { seed, temperature, signal: context.signal });
    if (!result.ok) return blocked(result.reason, { message: result.message, answer: result.edited });
    return { edit: result.edit, source_prompt: result.edit.sourcePrompt, edited_prompt: result.edit.editedPrompt };
  },
});
