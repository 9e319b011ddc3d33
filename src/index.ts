/** The public API of comfyui-imgdiff. Everything a library user needs is exported here, and only here. */
export { ImgDiffError, ImageError, OutputPathError } from "./errors.js";

// Nodes: define your own, or use ours.
export { defineNode, blocked, isBlocked } from "./nodes/define.js";
export type { NodeContext, NodeDefinition, NodeDeclaration, Blocked, NodeReport, FinalizeContext } from "./nodes/define.js";
export { int, float, string, boolean, combo, socket, image, maskInput, boxes, output, optional, SEED_CONTROLS } from "./nodes/inputs.js";
export type { InputSpec, OutputSpec, SocketType, SocketValues, SeedControl } from "./nodes/inputs.js";
export { createRegistry } from "./nodes/registry.js";
export type { NodeRegistry } from "./nodes/registry.js";
export { objectInfoOf } from "./nodes/object-info.js";
export { defaultRegistry, NODES, PromptPair, SyntheticScene, DifferenceArea, PairFilter, DifferenceCaption, DatasetWriter } from "./nodes/index.js";
export { FILTER_REASONS } from "./nodes/pair-filter.js";

// Graphs.
export { ApiPromptSchema, isLink } from "./graph/api-prompt.js";
export type { ApiPrompt, ApiNode, Link } from "./graph/api-prompt.js";
export { validatePrompt, describeValidation } from "./graph/validate.js";
export type { ValidationResult, ValidationIssue, NodeErrors } from "./graph/validate.js";
export { ObjectInfoSchema, NodeDefWireSchema } from "./graph/object-info.js";
export { validateWorkflow } from "./graph/validate.js";
export { uiToApi } from "./graph/ui-to-api.js";
export { apiToUi } from "./graph/api-to-ui.js";
export { unionObjectInfo } from "./graph/union-info.js";
export { parseUiWorkflow, isUiWorkflow, WorkflowError, WORKFLOW_LIMITS } from "./graph/ui-workflow.js";
export { readPngText, writePngText, embedGraph, extractGraph } from "./graph/png-metadata.js";
export type { ObjectInfo, NodeDefWire } from "./graph/object-info.js";

// Running.
export { parsePrompt, prepareGraph } from "./run/graph.js";
export type { PreparedGraph } from "./run/graph.js";
export { executeSample } from "./run/execute-sample.js";
export type { SampleOutcome } from "./run/execute-sample.js";
export { runBatch, finalizeNodes } from "./run/batch.js";
export { createLocalPool, type LocalPool, type LocalPoolOptions } from "./run/local-pool.js";
export { runDurable } from "./run/durable-run.js";
export type { DurableRunOptions, DurableRunResult, DurableRunStatus } from "./run/durable-run.js";
export { openLedgerReadOnly, LEDGER_FILE } from "./run/ledger.js";
export { readRunStatus } from "./run/status.js";
export type { RunStatus } from "./run/status.js";
export { writeReport } from "./run/report/write-report.js";
export type { BatchOptions, BatchSummary, FailedSample } from "./run/batch.js";
export { GraphError, NodeExecutionError } from "./run/errors.js";
export { seedForSample, SEED_LIMIT } from "./run/seed-control.js";

// Vision.
export type { RgbImage, Mask } from "./vision/image.js";
export type { BoxCoords, ScoredBox } from "./vision/box.js";
export { iou, boxArea } from "./vision/box.js";
export { decodeImage } from "./vision/decode.js";
export { detectDifferences, detectEncoded } from "./vision/detect.js";
export type { DetectOptions, DetectionResult } from "./vision/detect.js";
export { imageSimilarity } from "./vision/similarity.js";
export { drawRedBox, sideBySide } from "./vision/draw.js";

// Captions and prompts.
export type { ObjectEdit, EditKind, RegionCaption, PairCaptions } from "./captions/edit.js";
export { LEXICON, CATEGORIES, objectsIn, findObject } from "./captions/lexicon.js";
export { choosePromptPair } from "./captions/prompt-pair.js";
export { captionPair } from "./captions/template-captioner.js";
export { REPLACEMENT_QUESTION, removalQuestion, regionPrompt, differencePrompt, normalisedBox, normalisedBoxString } from "./captions/questions.js";

// Scenes and datasets.
export { renderScene } from "./scene/render.js";
export { createDatasetWriter } from "./dataset/writer.js";
export type { DatasetWriter as DatasetFileWriter, DatasetSample, DatasetSummary } from "./dataset/writer.js";
export { createRng } from "./util/rng.js";
export type { Rng } from "./util/rng.js";

// ComfyUI servers, and graphs that mix our nodes with ComfyUI's.
export * from "./client/index.js";
export { planStages } from "./run/plan.js";
export type { GraphPlan, RemoteStage } from "./run/plan.js";
export { runRemoteStage } from "./run/remote-stage.js";
export type { RemoteRunner } from "./run/remote-stage.js";
export { ObjectRegion, EditPrompts, SampleSeed } from "./nodes/index.js";

// Model-backed captions (LLM caption editing, VLM difference captions) over OpenAI-compatible or Ollama servers.
export { LLMCaptionEdit, VLMDifferenceCaption } from "./nodes/index.js";
export { createEndpoint, backoffDelay, API_STYLES, DEFAULT_API_KEY_ENV } from "./captions/llm/endpoint.js";
export type { Endpoint, EndpointOptions, ApiStyle, BackoffSchedule } from "./captions/llm/endpoint.js";
export { checkEndpoint, allowedOrigins, ALLOW_ENDPOINTS_ENV } from "./captions/llm/allow-list.js";
export { createModelClient } from "./captions/llm/model-client.js";
export type { ModelClient, ChatRequest } from "./captions/llm/model-client.js";
export { editCaption, filterEditedCaption, captionEditPrompt, CAPTION_EDIT_SAMPLING } from "./captions/llm/caption-edit.js";
export type { CaptionEditResult, CaptionEditRejection } from "./captions/llm/caption-edit.js";
export { captionWithVlm, CAPTION_SIMILARITY_THRESHOLD } from "./captions/llm/vlm-captioner.js";
export type { VlmCaptionInput, VlmCaptionResult, DroppedRegion } from "./captions/llm/vlm-captioner.js";
export { captionSimilarity, tokenOverlapSimilarity } from "./captions/llm/similarity.js";
export type { CaptionSimilarity, SimilarityMethod } from "./captions/llm/similarity.js";
