/**
 * A TCP proxy on 127.0.0.1 that delays every byte by `delayMs` in both directions (HTTP and
 * WebSocket alike), keeping order. Used to show that a client which opens its WebSocket only
 * after POST /prompt returns can miss a run's events: on a slow link the run is over before the
 * socket is registered.
 */
import { createServer, connect, type Socket } from "node:net";
import type { AddressInfo } from "node:net";

export interface DelayProxy {
  readonly url: string;
  readonly port: number;
  /** Change the delay for data sent from now on. */
  setDelay(ms: number): void;
  close(): Promise<void>;
}

export async function startDelayProxy(target: { port: number; host?: string }, delayMs: number): Promise<DelayProxy> {
  let delay = delayMs;
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const later = (fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, delay);
    timers.add(timer);
  };
  /** Forward from → to with the delay; an end or error is forwarded after the data before it. */
  const pipe = (from: Socket, to: Socket) => {
    from.on("data", (chunk) => later(() => to.destroyed || to.write(chunk)));
    from.on("end", () => later(() => to.destroyed || to.end()));
    from.on("error", () => later(() => to.destroy()));
    from.on("close", () => later(() => to.destroy()));
  };
  const server = createServer((client) => {
    const upstream = connect(target.port, target.host ?? "127.0.0.1");
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
    }
    pipe(client, upstream);
    pipe(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    setDelay(ms) {
      delay = ms;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
