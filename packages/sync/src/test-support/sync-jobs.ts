// Jobs for the work-stealing test (executors.test.ts): the sync primitives inside one job, where
// its coroutines run on the worker thread's executor.
import { type Coroutine, join, joinAll, next, STREAM_END, yieldNow } from "@spindle/core";
import { defineJobs, type JobSet } from "@spindle/workstealing";
import { mpsc, Mutex, type Receiver, Semaphore, type Sender } from "../mod.ts";

function* produce(tx: Sender<number>, count: number): Coroutine<void> {
  for (let i = 1; i <= count; i++) yield* tx.send(i);
  tx.drop();
}

function* consume(rx: Receiver<number>): Coroutine<number> {
  let sum = 0;
  for (let n; (n = yield* next(rx)) !== STREAM_END;) sum += n;
  return sum;
}

function* increment(counter: Mutex<number>, limit: Semaphore, times: number): Coroutine<void> {
  for (let i = 0; i < times; i++) {
    const permit = yield* limit.acquire();
    const guard = yield* counter.lock();
    const seen = guard.value;
    yield* yieldNow();
    guard.value = seen + 1;
    guard.release();
    permit.release();
  }
}

type SyncJobs = {
  channelSum: (count: number) => Coroutine<number>;
  lockedCount: (tasks: number, times: number) => Coroutine<number>;
};

const jobs: JobSet<SyncJobs> = defineJobs<SyncJobs>({
  /** The sum 1..count sent through a bounded channel of capacity 4 between two coroutines. */
  *channelSum(count: number): Coroutine<number> {
    const [tx, rx] = mpsc.bounded<number>(4);
    const [, sum] = yield* join(produce(tx, count), consume(rx));
    return sum;
  },
  /** `tasks` coroutines incrementing a Mutex-guarded counter `times` times each, at most 2 at once. */
  *lockedCount(tasks: number, times: number): Coroutine<number> {
    const counter = new Mutex(0);
    const limit = new Semaphore(2);
    yield* joinAll(Array.from({ length: tasks }, () => increment(counter, limit, times)));
    return counter.tryLock()!.value;
  },
});
export default jobs;
