/** Fault state shared by the in-process hooks and the /__fake/ admin routes. */
export interface FaultState {
  readonly failing: Map<string, { count: number; status: number }>;
  readonly slow: Map<string, number>;
  dropAfterPost: number;
  eventsBeforeReply: boolean;
  readonly failNodes: Map<string, string>;
}

export function createFaultState(): FaultState {
  return { failing: new Map(), slow: new Map(), dropAfterPost: 0, eventsBeforeReply: false, failNodes: new Map() };
}

/** "/api/prompt?x" and "/prompt" are the same route. */
export function routeKey(path: string): string {
  const bare = path.split("?")[0]!.replace(/\/+$/, "") || "/";
  return bare.startsWith("/api/") ? bare.slice(4) : bare === "/api" ? "/" : bare;
}

/** Consume one forced failure for this route, if any. */
export function takeFailure(faults: FaultState, path: string): number | undefined {
  const key = routeKey(path);
  const entry = faults.failing.get(key);
  if (!entry || entry.count <= 0) return undefined;
  entry.count -= 1;
  if (entry.count === 0) faults.failing.delete(key);
  return entry.status;
}
