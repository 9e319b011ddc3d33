/**
 * A faithful fake ComfyUI 0.3.64 server for tests (see README.md in this folder).
 *
 *   const fake = await startFakeComfy({ executionMs: 200 });
 *   ... fake.url, fake.faults.dropWebSockets(), fake.stats() ...
 *   await fake.close();
 */
export { startFakeComfy, DEFAULT_CHECKPOINTS, type FakeComfy, type FakeComfyOptions } from "./server.js";
export { spawnFakeComfy, type SpawnedFakeComfy } from "./spawn.js";
export type { FaultHooks } from "./admin.js";
export type { Stats } from "./state.js";
