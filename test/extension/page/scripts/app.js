/**
 * A stand-in for the part of ComfyUI's frontend that the ImgDiff extension uses, served at
 * /scripts/app.js like the real shim module. It follows the frontend's start-up (init,
 * addCustomNodeDefs, node classes built from definitions with beforeRegisterNodeDef and
 * nodeCreated, registerCustomNodes, setup), builds widgets from definitions by ComfyUI's rules
 * (a control_after_generate combo after a seed, not serialised to the prompt), and has a small
 * LiteGraph: node registry, graph configure/serialize (UI format 0.4) and graphToPrompt.
 */
const MODE_NEVER = 2;
const MODE_BYPASS = 4;
const CONTROL_VALUES = ["fixed", "increment", "decrement", "randomize"];

/** A core node the server would send, and a server that also defines one of ours. */
export const SERVER_DEFS = {
  EmptyImage: {
    input: { required: { width: ["INT", { default: 512, min: 1, max: 4096 }], height: ["INT", { default: 512, min: 1, max: 4096 }] } },
    input_order: { required: ["width", "height"] },
    output: ["IMAGE"], output_is_list: [false], output_name: ["IMAGE"],
    name: "EmptyImage", display_name: "EmptyImage", description: "", python_module: "nodes", category: "image", output_node: false,
  },
  PreviewImage: {
    input: { required: { images: ["IMAGE"] } },
    input_order: { required: ["images"] },
    output: [], output_is_list: [], output_name: [],
    name: "PreviewImage", display_name: "Preview Image", description: "", python_module: "nodes", category: "image", output_node: true,
  },
};
export const SHADOWING_DEF = {
  "ImgDiff.PairFilter": {
    input: { required: { threshold: ["FLOAT", { default: 0.5, min: 0, max: 1 }] } },
    input_order: { required: ["threshold"] },
    output: [], output_is_list: [], output_name: [],
    name: "ImgDiff.PairFilter", display_name: "Server pair filter", description: "", python_module: "custom_nodes.shim", category: "shim", output_node: true,
  },
};

export const LiteGraph = {
  registered_node_types: {},
  registerNodeType(type, nodeClass) {
    this.registered_node_types[type] = nodeClass;
  },
  createNode(type) {
    const NodeClass = this.registered_node_types[type];
    if (!NodeClass) return null;
    const node = new NodeClass(NodeClass.title);
    node.type = type; // as LiteGraph does: after the constructor
    return node;
  },
};

export class LGraphNode {
  constructor(title) {
    this.title = title;
    this.type = "";
    this.id = -1;
    this.mode = 0;
    this.pos = [0, 0];
    this.size = [300, 100];
    this.flags = {};
    this.properties = {};
    this.inputs = [];
    this.outputs = [];
    this.widgets = [];
  }
  addWidget(type, name, value, callback, options) {
    const widget = { type, name, value, callback, options: options ?? {} };
    this.widgets.push(widget);
    return widget;
  }
  addInput(name, type) {
    this.inputs.push({ name, type, link: null });
  }
  addOutput(name, type) {
    this.outputs.push({ name, type, links: [] });
  }
}

class LGraph {
  constructor() {
    this.clear();
  }
  clear() {
    this.nodes = [];
    this.links = [];
    this.groups = [];
    this.subgraphs = new Map();
    this.last_node_id = 0;
    this.last_link_id = 0;
    this.missingTypes = [];
  }
  add(node) {
    node.id = ++this.last_node_id;
    this.nodes.push(node);
    return node;
  }
  getNodeById(id) {
    return this.nodes.find((n) => n.id === id) ?? null;
  }
  configure(data) {
    this.clear();
    for (const saved of data.nodes) {
      const node = LiteGraph.createNode(saved.type);
      if (!node) {
        this.missingTypes.push(saved.type);
        continue;
      }
      for (const key of ["id", "pos", "size", "flags", "mode", "title", "properties", "color", "bgcolor"]) {
        if (saved[key] !== undefined) node[key] = structuredClone(saved[key]);
      }
      if (saved.inputs) node.inputs = structuredClone(saved.inputs);
      if (saved.outputs) node.outputs = structuredClone(saved.outputs);
      (saved.widgets_values ?? []).forEach((value, i) => {
        if (node.widgets[i]) node.widgets[i].value = value;
      });
      this.nodes.push(node);
    }
    this.links = structuredClone(data.links ?? []);
    this.groups = structuredClone(data.groups ?? []);
    this.last_node_id = data.last_node_id ?? 0;
    this.last_link_id = data.last_link_id ?? 0;
  }
  serialize() {
    return {
      last_node_id: this.last_node_id,
      last_link_id: this.last_link_id,
      nodes: this.nodes.map((n, order) => ({
        id: n.id, type: n.type, pos: [...n.pos], size: [...n.size], flags: { ...n.flags }, order, mode: n.mode,
        inputs: structuredClone(n.inputs), outputs: structuredClone(n.outputs), title: n.title,
        properties: { ...n.properties }, widgets_values: n.widgets.map((w) => w.value),
        ...(n.color ? { color: n.color } : {}), ...(n.bgcolor ? { bgcolor: n.bgcolor } : {}),
      })),
      links: structuredClone(this.links),
      groups: structuredClone(this.groups),
      config: {},
      extra: {},
      version: 0.4,
    };
  }
}

const extensions = [];
const queued = [];

export const api = {
  queued,
  async queuePrompt(number, data) {
    queued.push(structuredClone(data));
    return { prompt_id: `prompt-${queued.length}`, number, node_errors: {} };
  },
};

export const app = {
  api,
  rootGraph: new LGraph(),
  extensionManager: { workflow: { activeWorkflow: { filename: "synthetic-object-removal.json" } } },
  registerExtension(extension) {
    extensions.push(extension);
  },
  /** The frontend's rules, reduced: skip virtual, muted and bypassed nodes; widgets then links. */
  async graphToPrompt() {
    const graph = this.rootGraph;
    const output = {};
    const runs = (n) => n && !n.isVirtualNode && n.mode !== MODE_NEVER && n.mode !== MODE_BYPASS;
    for (const node of graph.nodes.filter(runs)) {
      const inputs = {};
      for (const widget of node.widgets) {
        if (widget.options.serialize !== false) inputs[widget.name] = widget.value;
      }
      for (const slot of node.inputs) {
        if (slot.link == null) continue;
        const link = graph.links.find((l) => l[0] === slot.link);
        if (link && runs(graph.getNodeById(link[1]))) inputs[slot.name] = [String(link[1]), link[2]];
      }
      output[String(node.id)] = { class_type: node.comfyClass ?? node.type, inputs, _meta: { title: node.title } };
    }
    return { workflow: graph.serialize(), output };
  },
  async queuePrompt(number, batchCount = 1) {
    for (let i = 0; i < batchCount; i++) await api.queuePrompt(number, await this.graphToPrompt());
    return true;
  },
};

async function invoke(hook, ...args) {
  for (const extension of extensions) await extension[hook]?.(...args, app);
}

function registerNodeDef(type, def) {
  const order = [...(def.input_order?.required ?? Object.keys(def.input.required ?? {})), ...(def.input_order?.optional ?? Object.keys(def.input.optional ?? {}))];
  const wires = { ...def.input.required, ...def.input.optional };
  class ComfyNode extends LGraphNode {
    constructor(title) {
      super(title);
      this.comfyClass = type;
      for (const name of order) addInputOrWidget(this, name, wires[name]);
      def.output.forEach((outputType, i) => this.addOutput(def.output_name?.[i] ?? outputType, outputType));
      for (const extension of extensions) extension.nodeCreated?.(this, app);
    }
  }
  ComfyNode.title = def.display_name ?? type;
  ComfyNode.category = def.category;
  ComfyNode.comfyClass = type;
  ComfyNode.nodeData = def;
  return ComfyNode;
}

function addInputOrWidget(node, name, [head, options = {}]) {
  let widget;
  if (Array.isArray(head)) widget = node.addWidget("combo", name, options.default ?? head[0], null, { values: [...head] });
  else if (head === "INT" || head === "FLOAT") {
    widget = node.addWidget("number", name, options.default ?? 0, null, {
      min: options.min ?? 0, max: options.max ?? 2048, step2: options.step ?? (head === "INT" ? 1 : 0.01), precision: head === "INT" ? 0 : undefined,
    });
  } else if (head === "STRING") widget = node.addWidget(options.multiline ? "customtext" : "text", name, options.default ?? "", null, {});
  else if (head === "BOOLEAN") widget = node.addWidget("toggle", name, options.default ?? false, null, { on: options.label_on, off: options.label_off });
  else return node.addInput(name, head);
  widget.tooltip = options.tooltip;
  if (head === "INT" && options.control_after_generate) {
    const mode = typeof options.control_after_generate === "string" ? options.control_after_generate : "randomize";
    node.addWidget("combo", "control_after_generate", mode, null, { values: CONTROL_VALUES, serialize: false });
  }
}

export async function boot(serverDefs) {
  await invoke("init");
  const defs = structuredClone(serverDefs);
  await invoke("addCustomNodeDefs", defs);
  for (const [type, def] of Object.entries(defs)) {
    const nodeClass = registerNodeDef(type, def);
    await invoke("beforeRegisterNodeDef", nodeClass, def);
    LiteGraph.registerNodeType(type, nodeClass);
  }
  await invoke("registerCustomNodes");
  await invoke("setup");
}

/** Helpers for the test: what the editor would show and do. */
export const editor = {
  registered() {
    return Object.fromEntries(
      Object.entries(LiteGraph.registered_node_types).map(([type, C]) => {
        const node = LiteGraph.createNode(type);
        return [type, {
          title: C.title, category: C.category, virtual: node.isVirtualNode === true, color: node.color ?? null, bgcolor: node.bgcolor ?? null,
          widgets: node.widgets.map((w) => ({ name: w.name, type: w.type, value: w.value, options: w.options, tooltip: w.tooltip ?? null })),
          inputs: node.inputs.map((i) => ({ name: i.name, type: i.type })),
          outputs: node.outputs.map((o) => ({ name: o.name, type: o.type })),
        }];
      }),
    );
  },
  load(workflow) {
    app.rootGraph.configure(workflow);
    return app.rootGraph.missingTypes;
  },
  save() {
    return app.rootGraph.serialize();
  },
};
