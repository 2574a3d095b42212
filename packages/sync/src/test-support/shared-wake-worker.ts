/**
 * One thread of the lost-wake-up stress tests (shared-wake-stress.test.ts). Its one task waits
 * mostly without a timeout, so a wake-up lost while every thread waits hangs the test:
 *
 * - `kind: "channel"`: tokens circulate on one shared channel. The task receives a token, then sends
 *   it on with its hop count raised, until the token's last hop; the thread that ends the last
 *   token closes the channel (a thread keeps each token up to 50 µs before it sends it on, so that
 *   the others are asleep by then), and every thread reports what it received when it sees STREAM_END.
 *   Each receive and each send picks at random: an awaited future, a future dropped by `select`
 *   when not ready at once (then tried again), a blocking call without a timeout, one with a 1 ms
 *   timeout, or a try* call. Until a thread dropped a wait, half its waits are of the dropped kind.
 * - `kind: "semaphore"`: `rounds` times, the task takes the one permit of a shared semaphore the
 *   same ways (awaited, dropped, blocking, blocking with a timeout, try), checks it holds it alone,
 *   keeps it up to 100 µs (sometimes across a yield), and gives it back.
 */
import { parentPort, workerData } from "node:worker_threads";
import { type Coroutine, drop, type Future, LocalExecutor, PENDING, select, STREAM_END, yieldNow } from "@spindle/core";
import {
  SharedReceiver,
  type SharedReceiverHandle,
  SharedSemaphore,
  type SharedSemaphoreHandle,
  type SharedSemaphorePermit,
  SharedSender,
  type SharedSenderHandle,
} from "../mod.ts";
import { pickUntilDropped, random } from "./harness.ts";

/** A token on its way: token `t` at hop `hop`, sent by thread `p` as its `s`th message. */
export interface WakeToken {
  readonly t: number;
  readonly hop: number;
  readonly p: number;
  readonly s: number;
}

export type WakeData =
  | {
    readonly kind: "channel";
    readonly index: number;
    readonly seed: number;
    readonly tokens: number;
    readonly hops: number;
    /** The token this thread starts holding (sends first, as its hop 0), if any. */
    readonly first: number | null;
    /** Word 0: how many tokens made their last hop. */
    readonly done: SharedArrayBuffer;
    readonly tx: SharedSenderHandle<WakeToken>;
    readonly rx: SharedReceiverHandle<WakeToken>;
  } & StartLine
  | {
    readonly kind: "semaphore";
    readonly index: number;
    readonly seed: number;
    readonly rounds: number;
    /** Word 0: how many threads hold the permit now (never more than 1). */
    readonly holders: SharedArrayBuffer;
    readonly semaphore: SharedSemaphoreHandle;
  } & StartLine;

/** Where the threads of a run wait for each other before they start (see the end of the file). */
export interface StartLine {
  /** Word 0: how many threads are up. */
  readonly startLine: SharedArrayBuffer;
  readonly threads: number;
}

/** What a thread reports: the tokens it received in order (`[p, s, t, hop]`), and its waits by kind. */
export interface WakeReport {
  readonly received: Array<[number, number, number, number]>;
  readonly acquired: number;
  readonly dropped: number;
  readonly blockingWaits: number;
  readonly asyncWaits: number;
}

const data = workerData as WakeData;
const rand = random(data.seed);
let dropped = 0;
let blockingWaits = 0;
let asyncWaits = 0;

/** One way of waiting (see the top of the file), picked at random; PENDING when this try gave up. */
function* waitOnce<T>(
  future: () => Future<T>,
  blocking: (timeoutMs: number) => T | typeof PENDING,
  now: () => T | typeof PENDING,
): Coroutine<T | typeof PENDING> {
  // Half of them the dropped kind (0.35 ≤ r < 0.55) until one was dropped: a CI run on Deno with
  // capacity 2 and 5 tokens, where waits are rare, dropped none.
  const r = pickUntilDropped(rand, dropped, 0.45);
  if (r < 0.35) {
    asyncWaits++;
    return yield* future();
  }
  if (r < 0.55) {
    const first = yield* select(future(), yieldNow());
    if (first.index === 0) return first.value as T;
    drop(first.rest); // dropped mid-wait: takes nothing, and must not absorb another waiter's wake
    dropped++;
    return PENDING;
  }
  if (r < 0.8) {
    blockingWaits++;
    return blocking(Infinity);
  }
  const got = r < 0.9 ? blocking(1) : now();
  if (got === PENDING) yield* yieldNow();
  return got;
}

/** Keeps this thread busy for up to `ms` (a random part of it). */
function holdFor(ms: number): void {
  const until = performance.now() + rand() * ms;
  while (performance.now() < until);
}

function* passTokens(d: Extract<WakeData, { kind: "channel" }>): Coroutine<WakeReport> {
  const tx = SharedSender.from(d.tx);
  const rx = SharedReceiver.from(d.rx);
  const done = new Int32Array(d.done);
  const received: Array<[number, number, number, number]> = [];
  let sent = 0;
  let next: WakeToken | null = d.first === null ? null : { t: d.first, hop: 0, p: d.index, s: sent };
  for (;;) {
    if (next === null) {
      let got: WakeToken | typeof PENDING | typeof STREAM_END = PENDING;
      while (got === PENDING) got = yield* waitOnce(() => rx.recv(), (ms) => rx.recvBlocking(ms), () => rx.tryRecv());
      if (got === STREAM_END) break;
      received.push([got.p, got.s, got.t, got.hop]);
      if (got.hop + 1 === d.hops) {
        // Pairs with the other threads' adds: exactly one thread ends the last token.
        if (Atomics.add(done, 0, 1) + 1 === d.tokens) tx.close();
        continue;
      }
      next = { t: got.t, hop: got.hop + 1, p: d.index, s: sent };
      holdFor(0.05); // the other threads go to sleep meanwhile, and wake for the next hop
    }
    const message = next;
    let sending: unknown = PENDING;
    while (sending === PENDING) {
      sending = yield* waitOnce<unknown>(
        () => tx.send(message),
        (ms) => tx.sendBlocking(message, ms) || PENDING,
        () => tx.trySend(message) || PENDING,
      );
    }
    sent++;
    next = null;
  }
  rx.drop();
  tx.drop();
  return { received, acquired: 0, dropped, blockingWaits, asyncWaits };
}

function* takeTurns(d: Extract<WakeData, { kind: "semaphore" }>): Coroutine<WakeReport> {
  const semaphore = SharedSemaphore.from(d.semaphore);
  const holders = new Int32Array(d.holders);
  for (let round = 0; round < d.rounds; round++) {
    let permit: SharedSemaphorePermit | typeof PENDING = PENDING;
    while (permit === PENDING) {
      permit = yield* waitOnce(
        () => semaphore.acquire(),
        (ms) => semaphore.acquireBlocking(1, ms) ?? PENDING,
        () => semaphore.tryAcquire() ?? PENDING,
      );
    }
    // Pairs with the other holders' adds: a second holder would see 1 here.
    if (Atomics.add(holders, 0, 1) !== 0) throw new Error(`thread ${d.index}: two holders of one permit`);
    // Held for up to 100 µs, sometimes across a yield: the others queue up behind the permit.
    holdFor(0.1);
    if (rand() < 0.5) yield* yieldNow();
    Atomics.sub(holders, 0, 1);
    permit.release();
  }
  return { received: [], acquired: d.rounds, dropped, blockingWaits, asyncWaits };
}

// Every thread waits here until all are up, so that they contend from the first hop: a Deno
// worker takes seconds to start, and the first one up passed the only token to itself alone
// (no wait was ever dropped in such a run). The test's time bound covers a thread that never comes.
const line = new Int32Array(data.startLine);
Atomics.add(line, 0, 1);
Atomics.notify(line, 0); // pairs with the waits below: the last one up wakes the others
for (let up; (up = Atomics.load(line, 0)) < data.threads;) Atomics.wait(line, 0, up, 1_000);

const executor = new LocalExecutor();
const report = executor.spawn(data.kind === "channel" ? passTokens(data) : takeTurns(data));
await executor.run();
parentPort!.postMessage(await report);
