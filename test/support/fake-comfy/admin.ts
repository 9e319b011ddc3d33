/**
 * Admin routes under /__fake/ (JSON bodies; not part of ComfyUI) that drive the fault hooks of a
 * server running in another process (spawnFakeComfy):
 *
 *   POST /__fake/drop-websockets                                   terminate every open WebSocket
 *   POST /__fake/fail-next-requests {"route", "count", "status"?}  next N requests of a route fail
 *   POST /__fake/slow-route         {"route", "ms"}                delay that route's handling (0 = off)
 *   POST /__fake/drop-after-post    {"count"}                      queue POST /prompt, then cut the connection
 *   POST /__fake/events-before-reply {"on"}                        emit the run's first events before the reply
 *   POST /__fake/foreign-error                                     run another client's failing prompt
 *   POST /__fake/fail-node          {"classType", "message"}       that node class raises at execution
 *   POST /__fake/restart            {"loseQueue"?}                 stop and start again on the same port
 *   GET  /__fake/stats                                             {"submitted", "executed"}
 *
 * Every route answers 200 `{}` (stats: the stats) once the change is in effect.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { readBody, sendJson } from "./http.js";

export interface FaultHooks {
  dropWebSockets(): void;
  failNextRequests(route: string, count: number, status?: number): void;
  slowRoute(route: string, ms: number): void;
  dropAfterPost(count: number): void;
  eventsBeforeReply(on: boolean): void;
  foreignError(): void;
  failNode(classType: string, message: string): void;
}

export const ADMIN_PREFIX = "/__fake/";

export async function handleAdmin(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  hooks: FaultHooks,
  extra: { stats(): unknown; restart(loseQueue: boolean): void },
): Promise<void> {
  const name = path.slice(ADMIN_PREFIX.length);
  if (req.method === "GET" && name === "stats") return sendJson(res, extra.stats());
  const text = (await readBody(req)).toString("utf8");
  const body = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
  switch (name) {
    case "drop-websockets": hooks.dropWebSockets(); break;
    case "fail-next-requests": hooks.failNextRequests(String(body["route"]), Number(body["count"]), body["status"] === undefined ? undefined : Number(body["status"])); break;
    case "slow-route": hooks.slowRoute(String(body["route"]), Number(body["ms"])); break;
    case "drop-after-post": hooks.dropAfterPost(Number(body["count"])); break;
    case "events-before-reply": hooks.eventsBeforeReply(body["on"] === true); break;
    case "foreign-error": hooks.foreignError(); break;
    case "fail-node": hooks.failNode(String(body["classType"]), String(body["message"])); break;
    case "restart":
      // Answer first: the restart closes this very connection.
      sendJson(res, {});
      extra.restart(body["loseQueue"] !== false);
      return;
    default: return sendJson(res, { error: `unknown admin route ${path}` }, 404);
  }
  sendJson(res, {});
}
