// The job module of the rayon-core ports: rayon's closures become named jobs. What rayon's tests
// share by reference (an `AtomicUsize`, a `Mutex<Vec<i32>>`, a channel) is shared memory here,
// passed once in the runtime's workerData (a SharedArrayBuffer is no job argument: README,
// "Channels, semaphores and shared memory inside jobs"): `words`, 64 control words each test
// names, and `log`, where word 0 counts the entries that follow (rayon's `vec.lock().push(x)`).
import { threadId } from "node:worker_threads";
import { type Coroutine, fromPromise, type Future, yieldNow } from "@spindle/core";
import { defineJobs, join, scope, type SharedBuffer } from "@spindle/workstealing";

/** What a rayon port passes in the runtime's workerData. */
export interface RayonData {
  /** Control words shared by the test and its jobs. */
  readonly words: Int32Array;
  /** An append-only log: word 0 is the count, the entries follow. */
  readonly log: Int32Array;
}

/** The message every panicking closure of rayon's tests panics with. */
export const PANIC = "Hello, world!";

/** A tree of values, as rayon's `Tree<u32>` (`update_tree`). */
export interface Tree {
  readonly value: number;
  readonly children: readonly Tree[];
}

function data(): RayonData {
  return jobs.workerData as RayonData;
}

function hostSleep(ms: number): Future<void> {
  return fromPromise(new Promise<void>((resolve) => setTimeout(resolve, ms)));
}

/** How many more frames of a fixed size fit on this thread's stack now (rayon's stack address). */
function stackHeadroom(): number {
  let depth = 0;
  const descend = (): void => {
    depth++;
    descend();
  };
  try {
    descend();
  } catch {
    // RangeError: the stack is full; `depth` frames fitted
  }
  return depth;
}

/** Rayon's `partition`: Lomuto over [lo, hi), the last element as pivot; returns its index. */
function partition(v: Uint32Array, lo: number, hi: number): number {
  const pivot = hi - 1;
  let i = lo;
  for (let j = lo; j < pivot; j++) {
    if (v[j]! <= v[pivot]!) {
      [v[i], v[j]] = [v[j]!, v[i]!];
      i++;
    }
  }
  [v[i], v[pivot]] = [v[pivot]!, v[i]!];
  return i;
}

const jobs = defineJobs({
  threadId(): number {
    return threadId;
  },
  unit(): null {
    return null;
  },
  fail(message: string): never {
    throw new Error(message);
  },
  /** Throws an error named PanicError whose `cause` is a RangeError (rayon's panic payload). */
  failWithCause(message: string): never {
    const error = new Error(message, { cause: new RangeError("the root cause") });
    error.name = "PanicError";
    throw error;
  },
  one(): number {
    return 1;
  },
  /** Stores `value` into word `slot` and wakes its waiters (rayon's `tx.send(value)`). */
  setWord(slot: number, value: number): number {
    Atomics.store(data().words, slot, value); // pairs with the test's Atomics.load of the word
    Atomics.notify(data().words, slot);
    return value;
  },
  /** Adds `n` to word `slot` (rayon's `counter.fetch_add(n)`). */
  add(slot: number, n: number): number {
    return Atomics.add(data().words, slot, n) + n;
  },
  /** Appends `value` to the log (rayon's `vec.lock().unwrap().push(value)`). */
  push(value: number): number {
    const { log } = data();
    const index = Atomics.add(log, 0, 1); // one writer per entry: the count hands out the places
    Atomics.store(log, 1 + index, value);
    return value;
  },
  /** Counts itself in word `slot`, then blocks its thread until `n` jobs have (rayon's `Barrier`). */
  barrier(slot: number, n: number): number {
    const { words } = data();
    Atomics.add(words, slot, 1);
    Atomics.notify(words, slot);
    let seen: number;
    while ((seen = Atomics.load(words, slot)) < n) Atomics.wait(words, slot, seen, 50);
    return threadId;
  },
  /** Counts its start in word `slot` and its end in `slot + 1`, however it ends; waits `ms` between. */
  *markSlow(slot: number, ms: number): Coroutine<number> {
    const { words } = data();
    Atomics.add(words, slot, 1);
    try {
      yield* hostSleep(ms);
      return 1;
    } finally {
      Atomics.add(words, slot + 1, 1);
    }
  },

  // join/test.rs
  *quickSort(buffer: SharedBuffer, lo: number, hi: number): Coroutine<number> {
    if (hi - lo <= 1) return 0;
    const mid = partition(buffer.array(Uint32Array), lo, hi);
    yield* join(jobs.spawn("quickSort", buffer, lo, mid), jobs.spawn("quickSort", buffer, mid, hi));
    return 0;
  },
  *joinFailA(): Coroutine<unknown> {
    return yield* join(jobs.spawn("failWithCause", PANIC), jobs.spawn("unit"));
  },
  *joinFailB(): Coroutine<unknown> {
    return yield* join(jobs.spawn("unit"), jobs.spawn("fail", PANIC));
  },
  *joinFailBoth(): Coroutine<unknown> {
    return yield* join(jobs.spawn("fail", PANIC), jobs.spawn("fail", "Goodbye, world!"));
  },
  /** join(panic, b) where b counts its start and end in words `slot`, `slot + 1`. */
  *joinFailThenMark(slot: number): Coroutine<unknown> {
    return yield* join(jobs.spawn("fail", PANIC), jobs.spawn("markSlow", slot, 20));
  },
  /** join of two jobs answering their thread: [this job's thread, a's, b's]. */
  *joinThreads(): Coroutine<number[]> {
    const [a, b] = yield* join(jobs.spawn("threadId"), jobs.spawn("threadId"));
    return [threadId, a, b];
  },
  /** join of two jobs that wait for each other on word `slot`: [this job's thread, a's, b's]. */
  *joinBarrier(slot: number): Coroutine<number[]> {
    const [a, b] = yield* join(jobs.spawn("barrier", slot, 2), jobs.spawn("barrier", slot, 2));
    return [threadId, a, b];
  },
  /** `count` joins of two jobs returning 1: [i, j], rayon's counters. */
  *joinCounts(count: number): Coroutine<number[]> {
    let i = 0;
    let j = 0;
    for (let n = 0; n < count; n++) {
      const [a, b] = yield* join(jobs.spawn("one"), jobs.spawn("one"));
      i += a;
      j += b;
    }
    return [i, j];
  },

  // scope/test.rs
  *scopeEmpty(): Coroutine<null> {
    // deno-lint-ignore require-yield
    return yield* scope(jobs, function* () {
      return null;
    });
  },
  *scopeResult(): Coroutine<number> {
    // deno-lint-ignore require-yield
    return yield* scope(jobs, function* () {
      return 22;
    });
  },
  /** Spawns `add(slot, n)` for each of `amounts` in one scope; answers the word after the scope. */
  *scopeAdds(slot: number, amounts: number[]): Coroutine<number> {
    // deno-lint-ignore require-yield
    yield* scope(jobs, function* (s) {
      for (const n of amounts) s.spawn("add", slot, n);
    });
    return Atomics.load(data().words, slot);
  },
  /** Counts the leaves of a binary split of `size` in word `slot`, each split a scope of two jobs. */
  *divideAndConquer(slot: number, size: number): Coroutine<number> {
    if (size > 1) {
      // deno-lint-ignore require-yield
      yield* scope(jobs, function* (s) {
        s.spawn("divideAndConquer", slot, size / 2);
        s.spawn("divideAndConquer", slot, size / 2);
      });
    } else {
      Atomics.add(data().words, slot, 1);
    }
    return 0;
  },
  /** Rayon's `update_in_scope`: each child subtree updated by a job of this node's scope. */
  *updateTree(tree: Tree): Coroutine<Tree> {
    const children = yield* scope(jobs, function* (s) {
      const handles = tree.children.map((child) => s.spawn("updateTree", child));
      const updated: Tree[] = [];
      for (const handle of handles) updated.push(yield* handle);
      return updated;
    });
    return { value: tree.value + 1, children };
  },
  /**
   * A chain of `n` scoped spawns; answers the stack headroom at its end (`linear_stack_growth`:
   * the deepest point of the chain; probing each level would cost a stack overflow per level).
   */
  *theFinalCountdown(n: number): Coroutine<number> {
    if (n === 0) return stackHeadroom();
    return yield* scope(jobs, function* (s) {
      return yield* s.spawn("theFinalCountdown", n - 1);
    });
  },
  *scopeThrows(): Coroutine<never> {
    // deno-lint-ignore require-yield
    return yield* scope(jobs, function* () {
      throw new Error(PANIC);
    });
  },
  *scopeSpawnFails(): Coroutine<null> {
    // deno-lint-ignore require-yield
    return yield* scope(jobs, function* (s) {
      s.spawn("fail", PANIC);
      return null;
    });
  },
  /** `depth` nested scopes, each spawning the next level; the last level's job panics (with a cause). */
  *nestedSpawnFails(depth: number): Coroutine<null> {
    // deno-lint-ignore require-yield
    return yield* scope(jobs, function* (s) {
      if (depth === 1) s.spawn("failWithCause", PANIC);
      else s.spawn("nestedSpawnFails", depth - 1);
      return null;
    });
  },
  /** A scope whose child opens a scope whose child panics. */
  *nestedScopeSpawnFails(): Coroutine<null> {
    // deno-lint-ignore require-yield
    return yield* scope(jobs, function* (s) {
      s.spawn("scopeSpawnFails");
      return null;
    });
  },
  /** still_execute_1: a panicking job A, then job B (markSlow on `slot`). */
  *scopeFailThenMark(slot: number): Coroutine<null> {
    // deno-lint-ignore require-yield
    return yield* scope(jobs, function* (s) {
      s.spawn("fail", PANIC);
      s.spawn("markSlow", slot, 20);
      return null;
    });
  },
  /** still_execute_2: job B (markSlow on `slot`), then a panicking job A. */
  *scopeMarkThenFail(slot: number): Coroutine<null> {
    // deno-lint-ignore require-yield
    return yield* scope(jobs, function* (s) {
      s.spawn("markSlow", slot, 20);
      s.spawn("fail", PANIC);
      return null;
    });
  },
  /** still_execute_3: spawns B (markSlow on `slot`), then the scope's body panics. */
  *scopeMarkThenThrow(slot: number): Coroutine<null> {
    // deno-lint-ignore require-yield
    return yield* scope(jobs, function* (s) {
      s.spawn("markSlow", slot, 20);
      throw new Error(PANIC);
    });
  },
  /** still_execute_4: spawns a panicking job, then the body sets word `slot`. */
  *scopeFailThenSet(slot: number): Coroutine<null> {
    // deno-lint-ignore require-yield
    return yield* scope(jobs, function* (s) {
      s.spawn("fail", PANIC);
      Atomics.store(data().words, slot, 1);
      return null;
    });
  },
  /** Spawns push(i * 10 + j) for j in 0..10, detached (rayon's `spawn` into the enclosing scope). */
  spawnPushes(i: number): number {
    for (let j = 0; j < 10; j++) jobs.spawn("push", i * 10 + j).detach();
    return i;
  },
  /** Spawns push(i * 10 + j) for j in 0..10 in a scope of its own (rayon's inner `scope`). */
  *scopePushes(i: number): Coroutine<number> {
    // deno-lint-ignore require-yield
    yield* scope(jobs, function* (s) {
      for (let j = 0; j < 10; j++) s.spawn("push", i * 10 + j);
    });
    return i;
  },
  /** lifo_order: a scope of 10 jobs, each spawning 10 pushes it does not join. */
  *scopeOfSpawnPushes(): Coroutine<null> {
    // deno-lint-ignore require-yield
    return yield* scope(jobs, function* (s) {
      for (let i = 0; i < 10; i++) s.spawn("spawnPushes", i);
      return null;
    });
  },
  /** nested_lifo_order: a scope of 10 jobs, each with a scope of 10 pushes. */
  *scopeOfScopePushes(): Coroutine<null> {
    // deno-lint-ignore require-yield
    return yield* scope(jobs, function* (s) {
      for (let i = 0; i < 10; i++) s.spawn("scopePushes", i);
      return null;
    });
  },
  /** mixed_lifo_order: two scopes of one job, spawns interleaved between them. */
  *scopeMixed(): Coroutine<null> {
    return yield* scope(jobs, function* (outer) {
      outer.spawn("push", 0);
      // deno-lint-ignore require-yield
      yield* scope(jobs, function* (inner) {
        inner.spawn("push", -1);
        outer.spawn("push", 1);
        inner.spawn("push", -2);
        outer.spawn("push", 2);
        inner.spawn("push", -3);
      });
      outer.spawn("push", 3);
      return null;
    });
  },
  /** thread_pool scope_lifo_order: a scope of push(i) for i in 0..10. */
  *scopePushTen(): Coroutine<null> {
    // deno-lint-ignore require-yield
    return yield* scope(jobs, function* (s) {
      for (let i = 0; i < 10; i++) s.spawn("push", i);
      return null;
    });
  },

  // spawn/test.rs
  /** spawn_then_join_in_worker: a scope whose body spawns a detached job setting word `slot` to 22. */
  *scopeThenSpawn(slot: number): Coroutine<null> {
    // deno-lint-ignore require-yield
    return yield* scope(jobs, function* () {
      jobs.spawn("setWord", slot, 22).detach();
      return null;
    });
  },
  /** Waits (suspended) until word `slot` is set, then spawns a detached job copying it into `slot + 1`. */
  *waitThenSpawn(slot: number): Coroutine<null> {
    const { words } = data();
    while (Atomics.load(words, slot) === 0) yield* hostSleep(5);
    jobs.spawn("setWord", slot + 1, Atomics.load(words, slot)).detach();
    return null;
  },
  /** lifo_order: 10 detached jobs, each spawning 10 detached pushes. */
  spawnOfSpawnPushes(): null {
    for (let i = 0; i < 10; i++) jobs.spawn("spawnPushes", i).detach();
    return null;
  },
  /** thread_pool spawn_lifo_order: 10 detached push(i). */
  spawnPushTen(): null {
    for (let i = 0; i < 10; i++) jobs.spawn("push", i).detach();
    return null;
  },

  // thread_pool/test.rs
  *joinALot(n: number): Coroutine<number> {
    if (n === 0) return 1;
    const [a, b] = yield* join(jobs.spawn("joinALot", n - 1), jobs.spawn("joinALot", n - 1));
    return a + b;
  },
  /** self_install: a job that spawns a job and joins it. */
  *installInside(): Coroutine<boolean> {
    return (yield* jobs.spawn("one")) === 1;
  },
  /**
   * in_place_scope_no_deadlock: spawns a job of its scope that sets word `slot`, then blocks its
   * thread until the word is set (rayon's `rx.recv()` on the only worker).
   */
  *spawnThenBlock(slot: number): Coroutine<number> {
    const { words } = data();
    // deno-lint-ignore require-yield
    return yield* scope(jobs, function* (s) {
      s.spawn("setWord", slot, 1);
      while (Atomics.load(words, slot) === 0) Atomics.wait(words, slot, 0, 50);
      return Atomics.load(words, slot);
    });
  },
  /** yield_now_to_spawn: spawns a detached job setting word `slot`, yields once, reads the word. */
  *spawnThenYield(slot: number): Coroutine<number> {
    jobs.spawn("setWord", slot, 22).detach();
    yield* yieldNow();
    return Atomics.load(data().words, slot);
  },
});
export default jobs;
