import { resolve } from "node:path";
import { parse, integerFlag, serverFlag } from "./args.js";
import { UsageError } from "./usage-error.js";
import { loadGraph, localExecution, type Remote } from "./load-graph.js";
import { connectRedis, describeRedisUrl } from "../distributed/redis-connection.js";
import { checkRunName, loadRunSpec } from "../distributed/run-spec.js";
import { runWorker } from "../distributed/worker.js";
import { defaultRegistry } from "../nodes/index.js";
import type { LocalPool } from "../run/local-pool.js";

export const WORKER_USAGE =
  "imgdiff worker --redis URL --run NAME --out DIR [--server URL ...] [--worker-id ID] [--concurrency K] [--local-workers K] [--exit-when-idle] [--lock-duration MS] [--stalled-interval MS]";

export async function workerCommand(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    redis: { type: "string" },
    run: { type: "string" },
    out: { type: "string" },
    server: { type: "string", multiple: true },
    "worker-id": { type: "string" },
    concurrency: { type: "string" },
    "local-workers": { type: "string" },
    "exit-when-idle": { type: "boolean" },
    "lock-duration": { type: "string" },
    "stalled-interval": { type: "string" },
  });
  if (positionals.length !== 0) throw new UsageError(`expected no positional argument, received ${positionals.length}`);
  if (!values.redis) throw new UsageError("--redis URL is required (e.g. redis://host:6379)");
  if (!values.run) throw new UsageError("--run NAME is required");
  if (!values.out) throw new UsageError("--out DIR is required");
  const run = checkRunName(values.run);
  const servers = (values.server ?? []).map((v) => serverFlag(v));
  const localWorkers = values["local-workers"] === undefined ? undefined : integerFlag("local-workers", values["local-workers"], 0, 0, 256);
  const concurrencyFlag = values.concurrency === undefined ? undefined : integerFlag("concurrency", values.concurrency, 1, 1, 256);
  const lockDurationMs = values["lock-duration"] === undefined ? undefined : integerFlag("lock-duration", values["lock-duration"], 0, 100, 3_600_000);
  const stalledIntervalMs = values["stalled-interval"] === undefined ? undefined : integerFlag("stalled-interval", values["stalled-interval"], 0, 100, 3_600_000);
  const redisName = describeRedisUrl(values.redis);

  const redis = await connectRedis(values.redis);
  redis.on("reconnecting", () => process.stderr.write(`worker: connection to Redis at ${redisName} lost; reconnecting\n`));
  let remote: Remote | undefined;
  let localPool: LocalPool | undefined;
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    // The run's workflow (API format, checked at submit) needs servers if it has ComfyUI nodes.
    const spec = await loadRunSpec(redis, run, redisName);
    const label = `the workflow of run ${run}`;
    const loaded = await loadGraph(spec.workflow, label, defaultRegistry(), servers, controller.signal);
    remote = loaded.remote;
    const local = localExecution(loaded.graph, servers.length, { threads: localWorkers, concurrency: concurrencyFlag });
    localPool = local.pool;
    const concurrency = local.concurrency;
    const summary = await runWorker({
      graph: loaded.graph,
      runner: remote?.runner,
      localPool,
      redis,
      redisName,
      run,
      out: resolve(values.out),
      ...(values["worker-id"] ? { workerId: values["worker-id"] } : {}),
      concurrency,
      exitWhenIdle: values["exit-when-idle"] === true,
      ...(lockDurationMs !== undefined ? { lockDurationMs } : {}),
      ...(stalledIntervalMs !== undefined ? { stalledIntervalMs } : {}),
      signal: controller.signal,
      onSample: (r) => {
        if (r.status === "failed") process.stderr.write(`sample ${r.index} failed (try ${r.attempt}): ${r.message}\n`);
      },
      onLog: (line) => process.stderr.write(`${line}\n`),
    });
    process.stdout.write(
      `worker ${summary.workerId}: ${summary.done} accepted, ${summary.filtered} filtered, ${summary.failed} failed tries; shard ${summary.shardDir}\n` +
        Object.entries(summary.finalized).map(([id, rep]) => `node #${id}: ${JSON.stringify(rep)}\n`).join(""),
    );
    return 0;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await Promise.all([remote?.close(), localPool?.close()]);
    redis.disconnect();
  }
}
