import type { IntoFuture } from "./coroutine.ts";
import type { JoinHandle } from "./join-handle.ts";

/** What spawns tasks: an executor such as `LocalExecutor`. */
export interface Spawner {
  /** Spawns `work` as a task and returns its handle. */
  spawn<T>(work: IntoFuture<T>): JoinHandle<T>;
}

/**
 * Whether this thread is inside an executor's poll loop right now. `blockOn` refuses to run there:
 * blocking the thread would stall every other task of that executor (tokio refuses the same).
 */
let depth = 0;
/** The executor whose poll loop runs now (`null` under `blockOn`): where a `TaskScope` spawns. */
let spawner: Spawner | null = null;

/**
 * Marks the start of an executor's poll loop on this thread; `current` is the executor, or `null`
 * for a driver that cannot take spawned tasks (`blockOn`). Returns the executor it replaces, for
 * {@linkcode exitDriving} (an executor's loop can run inside another's: `toPromise` in a task).
 */
export function enterDriving(current: Spawner | null = null): Spawner | null {
  depth++;
  const previous = spawner;
  spawner = current;
  return previous;
}

/** Marks the end of an executor's poll loop on this thread, restoring the executor it replaced. */
export function exitDriving(previous: Spawner | null = null): void {
  depth--;
  spawner = previous;
}

/** Whether an executor is polling tasks on this thread. */
export function isDriving(): boolean {
  return depth > 0;
}

/** The executor polling the current task, or `null` (under `blockOn`, or outside any executor). */
export function currentSpawner(): Spawner | null {
  return spawner;
}
