// A worker thread of the crossbeam ports: one `std::thread` / `scope.spawn` / `go!` at a time. It
// posts "idle", then runs the bodies it is sent: `{ body, data, start }` names a function of
// `bodies.ts`; the thread posts "ready", waits until the test releases `start` (so that every thread
// of a scope starts its sleeps at the same moment), runs the body (awaited when it returns a
// promise) and posts `{ done: true }` or `{ error }` with what it threw (the Rust thread's panic).
import { parentPort } from "node:worker_threads";
import { bodies } from "./bodies.ts";

/** What the test sends a thread: the body to run, its data, and the scope's start word. */
export interface RunRequest {
  readonly body: keyof typeof bodies;
  readonly data: unknown;
  readonly start: Int32Array<SharedArrayBuffer>;
}

/** What a thread answers when its body is over. */
export type RunReport = { readonly done: true } | { readonly error: unknown };

const port = parentPort!;
port.on("message", async (request: RunRequest) => {
  port.postMessage("ready");
  // Pairs with the test's Atomics.store + notify of 1 once every thread of the scope is ready.
  while (Atomics.load(request.start, 0) === 0) Atomics.wait(request.start, 0, 0);
  try {
    const body = bodies[request.body] as (data: unknown) => void | Promise<void>;
    await body(request.data);
    port.postMessage({ done: true } satisfies RunReport);
  } catch (error) {
    port.postMessage({ error } satisfies RunReport);
  }
});
port.postMessage("idle");
