// A minimal ComfyUI imitation on the stub server, for unit tests of run(): prompts "execute"
// after a delay, emit the recorded message order to their client, land in history, and output
// one image per SaveImage node. The full fake server lives in test/support/fake-comfy.
import type { ServerResponse } from "node:http";
import { startStub, type StubRequest, type StubServer } from "./stub-server.js";

export interface MiniComfy {
  stub: StubServer;
  url: string;
  executed: Map<string, number>;
  /** POSTs of /prompt received. */
  posts: number;
  /** The most prompts queued or running at once. */
  maxQueued: number;
  /** Fault switches. */
  faults: { eventsBeforeReply: boolean; muteEvents: boolean; dropAfterPost: number; text500: number; failNode?: string };
  close(): Promise<void>;
}

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);

export async function startMiniComfy(executionMs = 5): Promise<MiniComfy> {
  const stub = await startStub();
  const history = new Map<string, unknown>();
  const queue: string[] = [];
  const mini: MiniComfy = {
    stub,
    url: stub.url,
    executed: new Map(),
    posts: 0,
    maxQueued: 0,
    faults: { eventsBeforeReply: false, muteEvents: false, dropAfterPost: 0, text500: 0 },
    close: () => stub.close(),
  };
  const send = (clientId: string, type: string, data: unknown): void => {
    if (mini.faults.muteEvents) return;
    for (const s of stub.sockets) {
      if (!s.closed && s.url.endsWith(`clientId=${clientId}`)) s.socket.send(JSON.stringify({ type, data }));
    }
  };
  const execute = (id: string, clientId: string, prompt: Record<string, { class_type: string }>): void => {
    const outputs: Record<string, unknown> = {};
    send(clientId, "execution_start", { prompt_id: id, timestamp: Date.now() });
    let error: { node: string; type: string } | undefined;
    for (const [node, def] of Object.entries(prompt)) {
      send(clientId, "executing", { node, display_node: node, prompt_id: id });
      if (def.class_type === mini.faults.failNode) {
        error = { node, type: def.class_type };
        break;
      }
      if (def.class_type === "SaveImage") {
        outputs[node] = { images: [{ filename: `img_${node}_${id.slice(0, 8)}.png`, subfolder: "", type: "output" }] };
        send(clientId, "executed", { node, display_node: node, output: outputs[node], prompt_id: id });
      }
    }
    mini.executed.set(id, (mini.executed.get(id) ?? 0) + 1);
    const messages: unknown[] = [["execution_start", { prompt_id: id, timestamp: 1 }]];
    if (error) {
      const data = { prompt_id: id, node_id: error.node, node_type: error.type, executed: [], exception_message: "boom\n", exception_type: "RuntimeError", traceback: ["  File x\n"], timestamp: 2 };
      send(clientId, "execution_error", data);
      messages.push(["execution_error", data]);
    } else {
      send(clientId, "execution_success", { prompt_id: id, timestamp: 2 });
      messages.push(["execution_success", { prompt_id: id, timestamp: 2 }]);
    }
    history.set(id, { prompt: [0, id, prompt, {}, []], outputs, status: { status_str: error ? "error" : "success", completed: !error, messages } });
    queue.splice(queue.indexOf(id), 1);
    send(clientId, "executing", { node: null, prompt_id: id });
  };
  const json = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  };
  stub.handle((req: StubRequest, res) => {
    const path = req.url.replace(/^\/api/, "").split("?")[0]!;
    if (path === "/system_stats") return json(res, 200, { system: { os: "posix" }, devices: [] });
    if (path === "/prompt" && req.method === "POST") {
      mini.posts++;
      const body = JSON.parse(req.body) as { prompt: Record<string, { class_type: string }>; prompt_id: string; client_id: string };
      if (mini.faults.text500 > 0) {
        mini.faults.text500--;
        return res.writeHead(500, { "content-type": "text/plain" }).end("500 Internal Server Error\n\nServer got itself in trouble");
      }
      queue.push(body.prompt_id);
      mini.maxQueued = Math.max(mini.maxQueued, queue.length);
      const run = () => execute(body.prompt_id, body.client_id, body.prompt);
      if (mini.faults.eventsBeforeReply) run();
      else setTimeout(run, executionMs);
      if (mini.faults.dropAfterPost > 0) {
        mini.faults.dropAfterPost--;
        return res.destroy();
      }
      return json(res, 200, { prompt_id: body.prompt_id, number: mini.posts, node_errors: {} });
    }
    if (path.startsWith("/history/")) {
      const id = decodeURIComponent(path.slice("/history/".length));
      return json(res, 200, history.has(id) ? { [id]: history.get(id) } : {});
    }
    if (path === "/prompt") return json(res, 200, { exec_info: { queue_remaining: queue.length } });
    if (path === "/queue") return json(res, 200, { queue_running: queue.map((id, i) => [i, id, {}, {}, []]), queue_pending: [] });
    if (path === "/view") return res.writeHead(200, { "content-type": "image/png" }).end(PNG);
    res.writeHead(404).end();
  });
  return mini;
}
