import { parse, integerFlag, serverFlag } from "./args.js";
import { UsageError } from "./usage-error.js";
import { readJsonFile } from "./read-json.js";
import { loadGraph } from "./load-graph.js";
import { defaultRegistry } from "../nodes/index.js";
import { connectRedis, describeRedisUrl } from "../distributed/redis-connection.js";
import { readQueueCounts, submitRun } from "../distributed/queue.js";
import { checkRunName, loadRunSpec } from "../distributed/run-spec.js";

export const QUEUE_USAGE =
  "imgdiff queue submit <workflow.json> --count N --redis URL --run NAME [--seed S] [--attempts N] [--backoff MS] [--server URL ...]  |  imgdiff queue status --redis URL --run NAME [--json]";

export async function queueCommand(argv: readonly string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === "submit") return submit(rest);
  if (sub === "status") return status(rest);
  throw new UsageError(`expected "submit" or "status" after "queue", received ${sub === undefined ? "nothing" : JSON.stringify(sub)}`);
}

function redisAndRun(values: { redis?: string | undefined; run?: string | undefined }): { url: string; run: string } {
  if (!values.redis) throw new UsageError("--redis URL is required (e.g. redis://host:6379)");
  if (!values.run) throw new UsageError("--run NAME is required");
  return { url: values.redis, run: checkRunName(values.run) };
}

async function submit(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    count: { type: "string" },
    seed: { type: "string" },
    redis: { type: "string" },
    run: { type: "string" },
    attempts: { type: "string" },
    backoff: { type: "string" },
    server: { type: "string", multiple: true },
  });
  if (positionals.length !== 1) throw new UsageError(`expected one workflow file, received ${positionals.length}`);
  if (values.count === undefined) throw new UsageError("--count N is required");
  const { url, run } = redisAndRun(values);
  const count = integerFlag("count", values.count, 1, 0, 100_000_000);
  const seed = integerFlag("seed", values.seed, 0, 0, 2 ** 50);
  const attempts = integerFlag("attempts", values.attempts, 3, 1, 100);
  const backoffMs = integerFlag("backoff", values.backoff, 1000, 0, 3_600_000);
  const file = positionals[0]!;
  // Checked here (against a server's node definitions if it has ComfyUI nodes), so a broken
  // workflow never reaches the workers; they get it in API format.
  const servers = (values.server ?? []).map((v) => serverFlag(v));
  const { graph, remote } = await loadGraph(await readJsonFile(file), file, defaultRegistry(), servers);
  await remote?.close();

  const redis = await connectRedis(url);
  try {
    const result = await submitRun(redis, { run, workflow: graph.prompt, count, seed, attempts, backoffMs });
    const what = result.created ? "submitted" : "already submitted";
    process.stdout.write(`run ${run} ${what}: ${count} samples, seed ${seed}; ${result.added} jobs added to queue ${run} at ${describeRedisUrl(url)}\n`);
    return 0;
  } finally {
    redis.disconnect();
  }
}

async function status(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parse(argv, { redis: { type: "string" }, run: { type: "string" }, json: { type: "boolean" } });
  if (positionals.length !== 0) throw new UsageError(`expected no positional argument, received ${positionals.length}`);
  const { url, run } = redisAndRun(values);
  const redis = await connectRedis(url);
  try {
    const spec = await loadRunSpec(redis, run, describeRedisUrl(url));
    const c = await readQueueCounts(redis, run);
    if (values.json) {
      process.stdout.write(`${JSON.stringify(c)}\n`);
    } else {
      process.stdout.write(
        `run ${run}: ${spec.count} samples, seed ${spec.seed}, submitted ${spec.submittedAt}\n` +
          `  waiting ${c.waiting}, active ${c.active}, delayed ${c.delayed} (retrying), completed ${c.completed}, failed ${c.failed}\n`,
      );
    }
    return 0;
  } finally {
    redis.disconnect();
  }
}
