// The job module of the runtime's tests. Shared counters come through the runtime's workerData:
// { counters: Int32Array over a SharedArrayBuffer }.
import process from "node:process";
import { threadId } from "node:worker_threads";
import { CancelledError, type Coroutine, fromPromise, pending, yieldNow } from "@spindle/core";
import { defineJobs, type JobSet, join, move, scope, type SharedBuffer } from "../mod.ts";

function fibSequential(n: number): number {
  return n < 2 ? n : fibSequential(n - 1) + fibSequential(n - 2);
}

function counters(): Int32Array {
  return (jobs.workerData as { counters: Int32Array }).counters;
}

function busyWait(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

/** The jobs of the tests. */
export type TestJobs = {
  add: (a: number, b: number) => number;
  echo: (value: unknown) => unknown;
  fail: (name: string, message: string) => never;
  failCustom: (message: string) => never;
  returnFunction: () => unknown;
  fib: (n: number, cutoff: number) => Coroutine<number>;
  sum: (values: Float64Array, cutoff: number) => Coroutine<number>;
  count: (index: number) => number;
  tree: (base: number, node: number, depth: number, fanout: number) => Coroutine<number>;
  exit: (code: number) => never;
  crashLater: () => Coroutine<void>;
  sleep: (ms: number) => Coroutine<number>;
  guarded: (index: number) => Coroutine<void>;
  guardedNested: (index: number, swallow: boolean) => Coroutine<string>;
  block: (ms: number) => number;
  hold: (index: number, ms: number) => number;
  whoami: () => number;
  hostCallback: (index: number, ms: number) => void;
  catchChild: (name: string, message: string) => Coroutine<string>;
  hostPromise: (ms: number) => Coroutine<string>;
  logLines: (tag: string, count: number) => number;
  logAndJoin: (tag: string, count: number) => Coroutine<number>;
  workerProcess: () => {
    env: Record<string, string | undefined>;
    argv: string[];
    execArgv: string[];
    noDeprecation: boolean;
  };
  spawnThenChange: () => Coroutine<unknown>;
  crashWith: (how: "throw" | "reject") => Coroutine<void>;
  crashWhenOpened: (index: number) => Coroutine<void>;
  spin: (index: number) => never;
  stubbornFinally: (index: number) => Coroutine<void>;
  observeStop: (index: number, by: string) => Coroutine<void>;
  gate: (index: number) => number;
  gateThenLinger: (index: number, ms: number) => number;
  double: (n: number) => number;
  doubleLater: (n: number) => Coroutine<number>;
  doubleOddLater: (n: number) => number | Coroutine<number>;
  doubleOrName: (n: number | string) => number | string;
  checkItem: (n: number) => number;
  detachFailingChild: (message: string) => number;
  withCallback: (item: { i: number; callback: boolean }) => { i: number; callback?: () => number };
  waitItem: (index: number) => Coroutine<void>;
  joinPair: (a: number, b: number) => Coroutine<[number, number]>;
  joinFirstFails: (index: number) => Coroutine<void>;
  scopeJoinsTheRest: (base: number, n: number) => Coroutine<number>;
  scopeBodyFails: (base: number, n: number) => Coroutine<void>;
  scopeChildFails: (base: number) => Coroutine<string>;
  scopeWaits: (base: number, n: number) => Coroutine<void>;
  abortChildren: (gate: number, base: number, n: number) => Coroutine<number>;
  leak: (mb: number) => number;
  leakSmall: (mb: number) => number;
  fillHeap: () => never;
  fillHeapSmall: () => never;
  sumBuffer: (buffer: SharedBuffer, from: number, to: number) => number;
  fillBuffer: (buffer: SharedBuffer, from: number, to: number, value: number) => void;
  returnBuffer: (buffer: SharedBuffer) => SharedBuffer;
  releaseBuffer: (buffer: SharedBuffer) => void;
  scaleMoved: (buffer: SharedBuffer, factor: number) => SharedBuffer;
  makeMoved: (length: number, value: number) => SharedBuffer;
  sumMovedChild: (length: number, value: number) => Coroutine<number>;
  keepMoved: (buffer: SharedBuffer) => number;
  readKept: () => number;
  releaseKept: () => void;
  bigText: (length: number) => string;
  bigTextLater: (length: number) => Coroutine<string>;
  bigError: (length: number) => never;
  bigErrorLater: (length: number) => Coroutine<never>;
  joinBigText: (length: number) => Coroutine<number>;
};

/** The buffer `keepMoved` keeps on its worker after its job ended. */
let kept: SharedBuffer | undefined;

/** What the `leak` job keeps on its worker, for ever. */
const retained: number[][] = [];
/** How long a `gate` job waits to be opened before it fails (a hang bound, not a measure). */
const GATE_LIMIT_MS = 120_000;

const jobs: JobSet<TestJobs> = defineJobs<TestJobs>({
  add(a, b) {
    return a + b;
  },
  echo(value) {
    return value;
  },
  fail(name, message) {
    const error = name === "RangeError" ? new RangeError(message) : new TypeError(message);
    throw error;
  },
  failCustom(message) {
    throw new ParseError(message);
  },
  returnFunction() {
    return { callback: () => 1 };
  },
  *fib(n, cutoff) {
    if (n <= cutoff) return fibSequential(n);
    const left = jobs.spawn("fib", n - 1, cutoff);
    const right = jobs.spawn("fib", n - 2, cutoff);
    return (yield* left) + (yield* right);
  },
  *sum(values, cutoff) {
    if (values.length <= cutoff) return values.reduce((a, b) => a + b, 0);
    const half = values.length >> 1;
    const left = jobs.spawn("sum", values.subarray(0, half), cutoff);
    const right = jobs.spawn("sum", values.subarray(half), cutoff);
    return (yield* left) + (yield* right);
  },
  count(index) {
    return Atomics.add(counters(), index, 1) + 1;
  },
  // A fork/join tree: node `node` counts itself at `base + node`, then joins its `fanout`
  // children (nodes node * fanout + 1 …); returns the number of nodes below and including it.
  *tree(base, node, depth, fanout) {
    Atomics.add(counters(), base + node, 1);
    if (depth === 0) return 1;
    const children = [];
    for (let i = 1; i <= fanout; i++) children.push(jobs.spawn("tree", base, node * fanout + i, depth - 1, fanout));
    let total = 1;
    for (const child of children) total += yield* child;
    return total;
  },
  exit(code) {
    process.exit(code);
  },
  *crashLater() {
    setTimeout(() => {
      throw new Error("uncaught on a worker");
    }, 1);
    yield* pending();
  },
  *sleep(ms) {
    const start = performance.now();
    yield* jobs.timer.sleep(ms);
    return performance.now() - start;
  },
  *guarded(index) {
    Atomics.store(counters(), index, 1);
    try {
      yield* pending();
    } finally {
      Atomics.store(counters(), index, 2);
    }
  },
  // Counter `index` becomes 1 once it waits inside a nested yield*; on abort the inner finally
  // waits on a host timer, then counts in `index + 1`; `index + 2` counts code that ran after the
  // cancelled yield*, `index + 3` the outer finally. With `swallow`, a catch swallows the
  // cancellation and the job returns a value.
  *guardedNested(index, swallow) {
    const shared = counters();
    function* inner(): Coroutine<void> {
      try {
        Atomics.store(shared, index, 1);
        yield* pending();
      } finally {
        yield* fromPromise(new Promise((resolve) => setTimeout(resolve, 5)));
        Atomics.add(shared, index + 1, 1);
      }
    }
    try {
      yield* inner();
      Atomics.add(shared, index + 2, 1);
    } catch (error) {
      if (!swallow) throw error;
    } finally {
      Atomics.add(shared, index + 3, 1);
    }
    return "resurrected?";
  },
  block(ms) {
    busyWait(ms);
    return threadId;
  },
  // Like block, but says it started: counter `index` becomes 1.
  hold(index, ms) {
    Atomics.store(counters(), index, 1);
    busyWait(ms);
    return threadId;
  },
  whoami() {
    return threadId;
  },
  // Joins a failing child (usually in place, as it is this worker's next job) and catches its error.
  *catchChild(name, message) {
    const child = jobs.spawn("fail", name, message);
    try {
      yield* child;
      return "no error";
    } catch (error) {
      return `${(error as Error).constructor.name}: ${(error as Error).message}; finished ${child.isFinished}`;
    }
  },
  // Leaves a host timer behind and returns at once: only the worker's event loop can run it.
  hostCallback(index, ms) {
    setTimeout(() => Atomics.store(counters(), index, 1), ms);
  },
  // Spawns a child with an object argument, changes the object, then joins the child (usually in
  // place, as it is this worker's next job): the child must see the argument as it was at spawn.
  *spawnThenChange() {
    const argument = { n: 1, list: [1] };
    const child = jobs.spawn("echo", argument);
    argument.n = 2;
    argument.list.push(2);
    return yield* child;
  },
  // Kills its worker from a host callback: an uncaught TypeError with an own `code`, or a
  // rejection nobody handles (a RangeError).
  *crashWith(how) {
    if (how === "throw") {
      setTimeout(() => {
        throw Object.assign(new TypeError("thrown in a host callback"), { code: "E_HOST" });
      }, 1);
    } else {
      void Promise.reject(new RangeError("rejected with nobody listening"));
    }
    yield* pending();
  },
  // Kills its worker from a host callback (an uncaught RangeError with a long message) once the
  // test stores 2 in counter `index`, which it sets to 1 when it runs: the test fills the heap
  // meanwhile, so the worker's crash report has no room there.
  *crashWhenOpened(index) {
    const shared = counters();
    Atomics.store(shared, index, 1);
    const poll = setInterval(() => {
      if (Atomics.load(shared, index) !== 2) return;
      clearInterval(poll);
      throw new RangeError(`the crash reported with no room in the heap ${"x".repeat(200)}`);
    }, 1);
    yield* pending();
  },
  // Never returns and never suspends: counter `index` becomes 1 when it starts.
  spin(index) {
    Atomics.store(counters(), index, 1);
    for (;;) busyWait(1_000);
  },
  // Its finally block waits for ever: counter `index` is 1 once it runs, 2 once it is unwinding.
  *stubbornFinally(index) {
    Atomics.store(counters(), index, 1);
    try {
      yield* pending();
    } finally {
      Atomics.store(counters(), index, 2);
      yield* pending();
    }
  },
  // Waits in fromPromise(factory) for ever, and records what it sees when it is stopped, each a
  // code (0: nothing seen; 1: a CancelledError whose cause is the RuntimeShutdownError naming
  // `by`; 2: a CancelledError with no such cause; 3: anything else): counter `index` what its
  // catch block caught, `index + 1` its signal's reason; `index + 2` becomes 1 in its finally,
  // `index + 3` once it waits.
  *observeStop(index, by) {
    const shared = counters();
    const seen = (error: unknown): number => {
      if (!(error instanceof CancelledError)) return 3;
      const cause = error.cause as Error | undefined;
      return cause?.name === "RuntimeShutdownError" && cause.message.endsWith(`the runtime was shut down by ${by}`)
        ? 1
        : 2;
    };
    try {
      yield* fromPromise((signal) => {
        signal.addEventListener("abort", () => Atomics.store(shared, index + 1, seen(signal.reason)));
        Atomics.store(shared, index + 3, 1); // waiting
        return new Promise<void>(() => {});
      });
    } catch (error) {
      Atomics.store(shared, index, seen(error));
      throw error;
    } finally {
      Atomics.store(shared, index + 2, 1);
    }
  },
  // Holds its worker until the test opens the gate: counter `index` is 1 once it runs; the job
  // returns (its thread's id) once the test stores 2 there. A gate that a failing test never
  // opens fails after GATE_LIMIT_MS instead of holding its worker, and a draining shutdown, for
  // ever (an idle-timeout test hung 8 minutes on Deno that way).
  gate(index) {
    const shared = counters();
    Atomics.store(shared, index, 1);
    const giveUpAt = performance.now() + GATE_LIMIT_MS;
    while (Atomics.load(shared, index) !== 2) {
      if (performance.now() > giveUpAt) throw new Error(`gate ${index} was not opened within ${GATE_LIMIT_MS} ms`);
      Atomics.wait(shared, index, 1, 50);
    }
    return threadId;
  },
  // As gate, and leaves a host timer of `ms` behind on its worker (it keeps that thread's event
  // loop busy after the job has returned).
  gateThenLinger(index, ms) {
    setTimeout(() => {}, ms);
    return jobs.jobs.gate(index);
  },
  // Items of runtime.map: synchronous, suspending once, and failing for a negative item (a
  // non-negative one counts itself at counter n, after 1 ms of work).
  double(n) {
    return n * 2;
  },
  *doubleLater(n) {
    yield* yieldNow();
    return n * 2;
  },
  /** `n * 2`: at once for an even `n`, as a coroutine that suspends once for an odd one. */
  doubleOddLater(n) {
    return n % 2 === 0 ? n * 2 : jobs.jobs.doubleLater(n);
  },
  /** `n * 2` for an integer `n`, else its name (`"n 1.5"`): a result that is not a number, at once. */
  doubleOrName(n) {
    return typeof n === "number" && Number.isInteger(n) ? n * 2 : `n ${n}`;
  },
  /** `{ i }`, with a function (which cannot cross threads) when `callback` is set. */
  withCallback(item) {
    return item.callback ? { i: item.i, callback: () => item.i } : { i: item.i };
  },
  checkItem(n) {
    if (n < 0) throw new RangeError(`item ${n}`, { cause: { item: n } });
    busyWait(1);
    Atomics.add(counters(), n, 1);
    return n;
  },
  // Spawns a child that fails with a RangeError of `message` and detaches its handle on this worker.
  detachFailingChild(message) {
    jobs.spawn("fail", "RangeError", message).detach();
    return 1;
  },
  // Counter `index` is 1 while it waits (for ever), 2 once its finally block ran (aborted).
  *waitItem(index) {
    Atomics.store(counters(), index, 1);
    try {
      yield* pending();
    } finally {
      Atomics.store(counters(), index, 2);
    }
  },
  *joinPair(a, b) {
    return yield* join(jobs.spawn("add", a, 1), jobs.spawn("add", b, 1));
  },
  // The first child fails; the second (waiting for ever once it runs) must be aborted.
  *joinFirstFails(index) {
    yield* join(jobs.spawn("fail", "RangeError", "first"), jobs.spawn("waitItem", index));
  },
  // Spawns n counting children and joins none of them: the scope must join them before it
  // returns; returns how many had counted by then.
  *scopeJoinsTheRest(base, n) {
    yield* scope(jobs, function* (s) {
      for (let i = 0; i < n; i++) s.spawn("count", base + i);
    });
    let counted = 0;
    for (let i = 0; i < n; i++) counted += Atomics.load(counters(), base + i);
    return counted;
  },
  // Spawns n children that wait for ever, then fails: the scope aborts them and waits.
  *scopeBodyFails(base, n) {
    yield* scope(jobs, function* (s) {
      for (let i = 0; i < n; i++) s.spawn("waitItem", base + i);
      yield* yieldNow();
      throw new TypeError("body failed");
    });
  },
  // A child that fails and one that waits for ever, neither joined by the body.
  *scopeChildFails(base) {
    return yield* scope(jobs, function* (s) {
      s.spawn("fail", "RangeError", "child failed");
      s.spawn("waitItem", base);
      return "body returned";
    });
  },
  // Spawns n children that wait for ever and waits itself: for aborting from outside.
  // Spawns `n` children (`count` at base + i: enough that its deque overflows into the injector),
  // waits at gate `gate` (see gate), aborts each while it is still queued, waits at gate
  // `gate + 1`, so that the test looks at the queue before and after, then joins them all;
  // returns how many failed with CancelledError.
  *abortChildren(gate, base, n) {
    const children = Array.from({ length: n }, (_, i) => jobs.spawn("count", base + i));
    jobs.jobs.gate(gate);
    for (const child of children) child.abort();
    jobs.jobs.gate(gate + 1);
    let cancelled = 0;
    for (const child of children) {
      try {
        yield* child;
      } catch (error) {
        if (!(error instanceof CancelledError)) throw error;
        cancelled++;
      }
    }
    return cancelled;
  },
  *scopeWaits(base, n) {
    yield* scope(jobs, function* (s) {
      for (let i = 0; i < n; i++) s.spawn("waitItem", base + i);
      yield* pending();
    });
  },
  // Shared buffers (runtime.alloc), read and written in place.
  sumBuffer(buffer, from, to) {
    const values = buffer.array(Float64Array);
    let total = 0;
    for (let i = from; i < to; i++) total += values[i]!;
    return total;
  },
  fillBuffer(buffer, from, to, value) {
    buffer.array(Float64Array).fill(value, from, to);
  },
  returnBuffer(buffer) {
    return buffer;
  },
  releaseBuffer(buffer) {
    buffer.release();
  },
  // Moved buffers (move): received as SharedBuffers the job owns.
  scaleMoved(buffer, factor) {
    const values = buffer.array(Float64Array);
    for (let i = 0; i < values.length; i++) values[i]! *= factor;
    return buffer; // by reference: the caller now owns it
  },
  makeMoved(length, value) {
    return move(new Float64Array(length).fill(value));
  },
  // A child that returns a moved buffer, joined here (in place, or stolen and received).
  *sumMovedChild(length, value) {
    const buffer = yield* jobs.spawn("makeMoved", length, value);
    let total = 0;
    for (const x of buffer.array(Float64Array)) total += x;
    buffer.release();
    return total;
  },
  keepMoved(buffer) {
    kept = buffer; // outlives its job: still the job module's until released
    return buffer.array(Float64Array)[0]!;
  },
  readKept() {
    return (kept as SharedBuffer).array(Float64Array)[0]!;
  },
  releaseKept() {
    (kept as SharedBuffer).release();
  },
  // Outcomes of `length` bytes and more, for a runtime whose shared heap has no room for them.
  bigText(length) {
    return "x".repeat(length);
  },
  *bigTextLater(length) {
    yield* yieldNow();
    return "x".repeat(length);
  },
  bigError(length) {
    throw new RangeError("x".repeat(length));
  },
  *bigErrorLater(length) {
    yield* yieldNow();
    throw new RangeError("x".repeat(length));
  },
  // Joins a child whose result has no room in the shared heap; returns its length.
  *joinBigText(length) {
    return (yield* jobs.spawn("bigText", length)).length;
  },
  // Keeps about `mb` MB of JS heap on its worker for good (a leak); returns the thread's id.
  leak(mb) {
    retained.push(new Array<number>(mb * 131_072).fill(1.5));
    return threadId;
  },
  // As `leak`, in arrays of 128 numbers (1 KiB each): objects of the heap's own blocks.
  leakSmall(mb) {
    for (let i = 0; i < mb * 1024; i++) retained.push(new Array<number>(128).fill(i + 0.5));
    return threadId;
  },
  // Allocates in one synchronous stretch until its worker dies of its heap limit.
  fillHeap() {
    const kept: number[][] = [];
    for (;;) kept.push(new Array<number>(131_072).fill(1.5));
  },
  // The same with 64-element arrays: young-generation objects, promoted to the old one in bulk.
  fillHeapSmall() {
    const kept: number[][] = [];
    for (;;) kept.push(new Array<number>(64).fill(1));
  },
  // Waits on a host promise (the worker's event loop settles it).
  *hostPromise(ms) {
    return yield* fromPromise(new Promise<string>((resolve) => setTimeout(() => resolve("host timer fired"), ms)));
  },
  // Logs `count` lines "<tag> out <i>" to stdout and as many "<tag> err <i>" to stderr.
  logLines(tag, count) {
    for (let i = 0; i < count; i++) {
      console.log(`${tag} out ${i}`);
      console.error(`${tag} err ${i}`);
    }
    return count;
  },
  // Logs, then joins a child that logs (joined in place when it is still in this worker's slot).
  *logAndJoin(tag, count) {
    console.log(`${tag} before`);
    const logged = yield* jobs.spawn("logLines", `${tag} child`, count);
    console.log(`${tag} after`);
    return logged + 2;
  },
  // What the worker's thread was started with.
  workerProcess() {
    return {
      env: { ...process.env },
      argv: process.argv.slice(2),
      execArgv: process.execArgv,
      noDeprecation: process.noDeprecation === true,
    };
  },
});
export default jobs;

class ParseError extends Error {
  readonly code = 42;
  constructor(message: string) {
    super(message);
    this.name = "ParseError";
  }
}
