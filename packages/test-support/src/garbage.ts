// Garbage collection on demand, for tests that check what a value's holder lets go of.
import v8 from "node:v8";
import vm from "node:vm";

/**
 * A full garbage collection, on every runtime of the matrix: Bun's `Bun.gc(true)`; elsewhere V8's
 * `gc`, exposed at run time (`--expose-gc` through `node:v8`, read from a fresh context), measured
 * to work on Node 22, Node 24 and Deno.
 */
export function collectGarbage(): void {
  const bun = (globalThis as { Bun?: { gc(sync: boolean): void } }).Bun;
  if (bun !== undefined) return bun.gc(true);
  gc ??= exposeGc();
  gc();
}

let gc: (() => void) | undefined;

function exposeGc(): () => void {
  v8.setFlagsFromString("--expose-gc");
  return vm.runInNewContext("gc") as () => void;
}

/** Collects garbage and turns the event loop until `done()` or `tries` rounds passed. */
export async function collectUntil(done: () => boolean, tries = 50): Promise<boolean> {
  for (let i = 0; i < tries && !done(); i++) {
    collectGarbage();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return done();
}

/**
 * Whether `value` was garbage-collected, as a function to poll (with {@linkcode collectUntil}).
 * A `WeakRef` would not do: each `deref()` that finds the value keeps it alive to the end of the
 * current job, and a check before every collection would then keep it for good.
 */
export function collectedLater(value: object): () => boolean {
  const state = { collected: false };
  collections.register(value, state);
  return () => state.collected;
}

/** Module-wide: a registry that is itself collected calls back nobody. */
const collections = new FinalizationRegistry<{ collected: boolean }>((state) => state.collected = true);
