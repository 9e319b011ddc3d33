/**
 * The entry of a local worker thread (see local-pool.ts): it loads our node pack and runs one
 * `offload` node at a time for the main thread.
 */
import { parentPort } from "node:worker_threads";
import { NODES } from "../nodes/index.js";
import { runTask, type TaskRequest } from "./local-task.js";

const port = parentPort;
if (!port) throw new Error("local-worker.js runs as a worker thread of the local pool, not on its own");
const nodes = new Map(NODES.filter((node) => node.offload).map((node) => [node.type, node]));

port.on("message", (request: TaskRequest) => {
  void runTask(nodes, request).then(({ reply, transfer }) => port.postMessage(reply, transfer));
});
