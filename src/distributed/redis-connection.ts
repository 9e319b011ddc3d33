/**
 * Redis connections for distributed runs. BullMQ is given a ready ioredis client (it cannot load
 * ioredis by itself from an ES module). A client that has never connected gives up after a few
 * seconds with an error naming the server, so a wrong --redis fails fast; once connected it
 * reconnects for ever, so workers ride out a Redis restart and pick up where they were.
 */
import { Redis } from "ioredis";
import { ImgDiffError } from "../errors.js";

/** Attempts before a client that never connected gives up (about 3 s with the delays below). */
const FIRST_CONNECT_ATTEMPTS = 8;
/** Longest wait between two reconnection attempts. */
const MAX_RECONNECT_DELAY_MS = 2000;

/** The URL without its password, for messages and logs. */
export function describeRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString().replace(/\/$/, "");
  } catch {
    return JSON.stringify(url.slice(0, 120));
  }
}

function checkUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ImgDiffError("REDIS_BAD_URL", `--redis expects a URL such as redis://host:6379, received ${describeRedisUrl(url)}`);
  }
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") {
    throw new ImgDiffError("REDIS_BAD_URL", `--redis expects a redis:// or rediss:// URL, received ${describeRedisUrl(url)}`);
  }
}

/**
 * A connected client, or ImgDiffError REDIS_UNREACHABLE when the server cannot be reached.
 * `maxRetriesPerRequest: null` (BullMQ requires it for workers) makes commands wait through
 * a reconnection instead of failing.
 */
export async function connectRedis(url: string): Promise<Redis> {
  checkUrl(url);
  let connected = false;
  let lastError = "";
  const client = new Redis(url, {
    maxRetriesPerRequest: null,
    retryStrategy: (times) => (connected || times < FIRST_CONNECT_ATTEMPTS ? Math.min(100 * times, MAX_RECONNECT_DELAY_MS) : null),
  });
  client.on("error", (error: Error) => {
    lastError = error.message; // reported below, or passed over while reconnecting
  });
  // "end" means the retry strategy gave up on the first connection.
  await new Promise<void>((done, fail) => {
    client.once("ready", () => {
      connected = true;
      done();
    });
    client.once("end", () => {
      if (!connected) fail(new ImgDiffError("REDIS_UNREACHABLE", `cannot reach Redis at ${describeRedisUrl(url)}: ${lastError || "connection closed"}`));
    });
  });
  return client;
}
