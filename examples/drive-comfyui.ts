/**
 * Drive a ComfyUI server with the client directly: check the server, queue a small graph of
 * ComfyUI's own nodes, follow its progress, and download the image it saved.
 *
 *   node --import tsx examples/drive-comfyui.ts http://127.0.0.1:8188 [OUTPUT_FILE]
 */
import { writeFile } from "node:fs/promises";
import { ComfyClient } from "../src/index.js";

const [baseUrl, outputFile] = process.argv.slice(2);
if (!baseUrl) {
  console.error("usage: drive-comfyui.ts SERVER_URL [OUTPUT_FILE]");
  process.exit(2);
}

const client = new ComfyClient({ baseUrl });
try {
  const stats = await client.systemStats();
  console.log(`server: ComfyUI ${stats.system.comfyui_version}, ${stats.devices.length} device(s)`);

  // Ask the server which nodes it has before queueing a graph that needs them.
  const needed = ["EmptyImage", "ImageInvert", "SaveImage"];
  const info = await client.objectInfo();
  const missing = needed.filter((type) => !(type in info));
  if (missing.length > 0) throw new Error(`the server lacks the nodes ${missing.join(", ")}`);

  const prompt = {
    "1": { class_type: "EmptyImage", inputs: { width: 64, height: 48, batch_size: 1, color: 0x3366cc } },
    "2": { class_type: "ImageInvert", inputs: { image: ["1", 0] } },
    "3": { class_type: "SaveImage", inputs: { images: ["2", 0], filename_prefix: "imgdiff-example/inverted" } },
  };
  // run(): subscribe, submit once, wait for the end, collect every output node's images.
  const result = await client.run(prompt, {
    onProgress: (event) => {
      if (event.kind === "executing") console.log(`executing node ${event.node}`);
      if (event.kind === "executed") console.log(`executed node ${event.node}`);
    },
  });
  const image = result.outputs["3"]!.images[0]!;
  console.log(`prompt ${result.promptId} done in ${Math.round(result.timings.totalMs)} ms`);
  console.log(`saved ${image.subfolder}/${image.filename} (${image.type}, ${image.bytes.byteLength} bytes)`);
  if (outputFile) {
    await writeFile(outputFile, image.bytes);
    console.log(`wrote ${outputFile}`);
  }
} finally {
  await client.close();
}
