// The job module of the README checks' work-stealing probes.
import process from "node:process";
import { threadId } from "node:worker_threads";
import { type Coroutine, next, PENDING, STREAM_END, TaskScope } from "@spindle/core";
import {
  mpsc,
  Mutex,
  SharedReceiver,
  type SharedReceiverHandle,
  SharedSender,
  type SharedSenderHandle,
} from "@spindle/sync";
import { defineJobs, join, scope, type SharedBuffer } from "@spindle/workstealing";

const jobs = defineJobs({
  add(a: number, b: number): number {
    return a + b;
  },
  square(n: number): number {
    return n * n;
  },
  failOn(n: number): number {
    if (n === 13) throw new Error(`unlucky ${n}`);
    return n;
  },
  // README "Faults and bad input": what a job throws that is no Error, or that cannot be read.
  throwValue(kind: "string" | "undefined" | "object" | "symbol" | "unreadablePrototype"): number {
    if (kind === "string") throw "plain string";
    if (kind === "undefined") throw undefined;
    if (kind === "object") throw { code: 42 };
    if (kind === "symbol") throw Symbol("thrown");
    throw new Proxy({}, {
      get() {
        throw new Error("get trap");
      },
      getPrototypeOf() {
        throw new Error("prototype trap");
      },
    });
  },
  thread(): number {
    return threadId;
  },
  allocate(megabytes: number): number {
    const keep = new Array(megabytes * 1024).fill(0).map(() => new Array(128).fill(Math.random()));
    return keep.length;
  },
  sum(buffer: SharedBuffer): number {
    let total = 0;
    for (const v of buffer.array(Float64Array)) total += v;
    return total;
  },
  dieOn(n: number): number {
    if (n === 7) process.exit(9);
    return n;
  },
  *slowSquare(n: number): Coroutine<number> {
    yield* jobs.timer.sleep(2_000);
    return n * n;
  },
  *pipeTo(handle: SharedSenderHandle<number>, count: number): Coroutine<number> {
    const tx = SharedSender.from<number>(handle);
    for (let i = 0; i < count; i++) tx.sendBlocking(i);
    return count;
  },
  // The sync and workstealing READMEs' route for a channel end: its handle in the runtime's
  // workerData option, opened in the job and dropped when the job is done with it.
  sendThroughWorkerData(tag: number, count: number): number {
    const tx = SharedSender.from<number>((jobs.workerData as { tx: SharedSenderHandle<number> }).tx);
    try {
      for (let i = 0; i < count; i++) tx.sendBlocking(tag * 1_000 + i);
    } finally {
      tx.drop();
    }
    return threadId;
  },
  *drainFrom(handle: SharedReceiverHandle<number>): Coroutine<number> {
    const rx = SharedReceiver.from<number>(handle);
    let total = 0;
    for (let v; (v = rx.recvBlocking(10_000)) !== STREAM_END;) {
      if (v === PENDING) throw new Error("no value within 10 s");
      total += v;
    }
    return total;
  },
  // Three children sleeping in a TaskScope; each counts its clean-up in word 0 of `log`, the scope's
  // close in word 1 (a SharedBuffer from runtime.alloc: it crosses by reference).
  *scopedSleepers(log: SharedBuffer): Coroutine<void> {
    const words = log.array(Int32Array);
    const scope = new TaskScope<void>();
    try {
      for (let i = 0; i < 3; i++) {
        scope.spawn(function* (): Coroutine<void> {
          try {
            yield* jobs.timer.sleep(60_000);
          } finally {
            Atomics.add(words, 0, 1);
          }
        }());
      }
      yield* scope.joinAll();
    } finally {
      yield* scope.close();
      Atomics.add(words, 1, 1);
    }
  },
  // A bounded mpsc channel and a Mutex inside one job: producers in a TaskScope, the job consumes.
  *channelInJob(producers: number, each: number): Coroutine<number> {
    const [tx, rx] = mpsc.bounded<number>(2);
    const total = new Mutex(0);
    const scope = new TaskScope<void>();
    try {
      for (let p = 0; p < producers; p++) {
        const mine = tx.clone();
        scope.spawn(function* (): Coroutine<void> {
          for (let i = 1; i <= each; i++) yield* mine.send(i);
          mine.drop();
        }());
      }
      tx.drop();
      for (let v; (v = yield* next(rx)) !== STREAM_END;) {
        const guard = yield* total.lock();
        guard.value += v;
        guard.release();
      }
      yield* scope.joinAll();
      return total.tryLock()!.value;
    } finally {
      yield* scope.close();
    }
  },
  die(code: number): number {
    process.exit(code);
  },
  *pair(a: number, b: number): Coroutine<[number, number]> {
    return yield* join(jobs.spawn("square", a), jobs.spawn("square", b));
  },
  *pairFailing(a: number): Coroutine<[number, number]> {
    return yield* join(jobs.spawn("failOn", a), jobs.spawn("square", a));
  },
  *sumOfSquares(n: number): Coroutine<number> {
    return yield* scope(jobs, function* (s) {
      const handles = Array.from({ length: n }, (_, i) => s.spawn("square", i));
      let total = 0;
      for (const handle of handles) total += yield* handle;
      return total;
    });
  },
  *scopeUnjoined(n: number): Coroutine<number> {
    return yield* scope(jobs, function* (s) {
      for (let i = 0; i < n; i++) s.spawn("failOn", i); // never joined by the body: the scope joins them
      return n;
    });
  },
});
export default jobs;
