import { ImgDiffError } from "../errors.js";

/** A workflow that cannot run: unreadable, malformed, or failing validation. Lists every problem. */
export class GraphError extends ImgDiffError {
  readonly problems: readonly string[];

  constructor(code: string, summary: string, problems: readonly string[] = []) {
    super(code, problems.length ? `${summary}:\n  - ${problems.join("\n  - ")}` : summary);
    this.problems = problems;
  }
}

/** A node that threw while running one sample. */
export class NodeExecutionError extends ImgDiffError {
  readonly nodeId: string;
  readonly classType: string;
  /** The code of the underlying ImgDiffError, or "EXCEPTION" for anything else. */
  readonly causeCode: string;

  constructor(nodeId: string, classType: string, cause: unknown) {
    const message = cause instanceof Error ? cause.message : String(cause);
    super("NODE_FAILED", `node #${nodeId} (${classType}) failed: ${message}`, { cause });
    this.nodeId = nodeId;
    this.classType = classType;
    this.causeCode = cause instanceof ImgDiffError ? cause.code : "EXCEPTION";
  }
}
