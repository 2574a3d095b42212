// The job module of the piscina ports, in the role of piscina's test/fixtures: one module with a
// job per fixture behaviour (piscina's `eval.js` runs the code it is sent; here each piece of code
// it was sent is a job). Jobs that wait on the test's thread use the `words` Int32Array the test
// passes in the runtime's workerData (a SharedArrayBuffer is no job argument: README, "Channels,
// semaphores and shared memory inside jobs"); each test names the word a job uses.
import process from "node:process";
import { isMainThread, threadId } from "node:worker_threads";
import { type Coroutine, fromPromise, type Future, pending } from "@spindle/core";
import { SharedSender, type SharedSenderHandle } from "@spindle/sync";
import { defineJobs, move, type SharedBuffer } from "@spindle/workstealing";

/** What a piscina port passes in the runtime's workerData. */
export interface PortData {
  /** Control words shared by the test and its jobs (`Int32Array` over a SharedArrayBuffer). */
  readonly words: Int32Array;
  /** A value a test reads back (piscina's `workerData: 'ABC'`). */
  readonly tag?: string;
  /** A channel end the jobs send messages on (piscina's `parentPort.postMessage`). */
  readonly messages?: SharedSenderHandle<string>;
}

function words(): Int32Array {
  return (jobs.workerData as PortData).words;
}

function hostSleep(ms: number): Future<void> {
  return fromPromise(new Promise<void>((resolve) => setTimeout(resolve, ms)));
}

/** A buffer a job kept after sending it with move() (piscina's send-buffer-then-get-length). */
let sent: ArrayBuffer | undefined;

/** Jobs this worker's copy of the module ran (tinypool's isolated.js). */
let runs = 0;

/** What `leak` keeps for good (tinypool's leak-memory.js). */
const leaks: number[][] = [];

const jobs = defineJobs({
  answer(): number {
    return 42;
  },
  echo(value: unknown): unknown {
    return value;
  },
  echoString(text: string): string {
    return text;
  },
  a(): string {
    return "a";
  },
  b(): string {
    return "b";
  },
  /** piscina's `Promise.resolve(42)`: a job may return a promise, awaited on its worker. */
  resolveLater(value: number): Promise<number> {
    return Promise.resolve(value);
  },
  /** piscina's handlers are async functions: so may a job be. */
  async asyncAnswer(): Promise<number> {
    await Promise.resolve();
    return 42;
  },
  async rejectWith(message: string): Promise<never> {
    await Promise.resolve();
    throw new Error(message);
  },
  throwError(message: string): never {
    throw new Error(message);
  },
  /** Throws from code run in another realm (piscina's issue 513: `vm.runInNewContext`). */
  async throwInContext(message: string): Promise<never> {
    const vm = await import("node:vm");
    new vm.Script(`throw new Error(${JSON.stringify(message)})`).runInNewContext({});
    throw new Error("unreachable");
  },
  *sleepThen(ms: number, value: number): Coroutine<number> {
    yield* hostSleep(ms);
    return value;
  },
  /** Sets word `slot` to 1, wakes the test, then suspends for good (piscina's notify-then-sleep). */
  *notifyThenSuspend(slot: number): Coroutine<never> {
    Atomics.store(words(), slot, 1); // pairs with the test's Atomics.waitAsync on the word
    Atomics.notify(words(), slot);
    return yield* pending<never>();
  },
  /** Counts itself in word `slot`, then blocks its thread until the test sets word `slot + 1`. */
  blockUntilReleased(slot: number): number {
    const w = words();
    Atomics.add(w, slot, 1); // the test reads the count of jobs that started
    Atomics.notify(w, slot);
    while (Atomics.load(w, slot + 1) === 0) Atomics.wait(w, slot + 1, 0, 50);
    return threadId;
  },
  /** As blockUntilReleased, but waits by suspending: the worker runs other jobs meanwhile. */
  *suspendUntilReleased(slot: number): Coroutine<number> {
    const w = words();
    Atomics.add(w, slot, 1);
    Atomics.notify(w, slot);
    while (Atomics.load(w, slot + 1) === 0) yield* hostSleep(5);
    return threadId;
  },
  /** Never suspends: a busy loop until the test sets word `slot` (piscina's `while (true) {}`). */
  spin(slot: number): number {
    const w = words();
    Atomics.add(w, slot + 1, 1); // started
    Atomics.notify(w, slot + 1);
    while (Atomics.load(w, slot) === 0) {
      // busy: the test releases the thread at its end, so no runtime keeps one spinning
    }
    return 0;
  },
  /** piscina's wait-for-others: counts itself in, then waits until `n` jobs have. */
  waitForOthers(slot: number, n: number): number {
    const w = words();
    Atomics.add(w, slot, 1);
    Atomics.notify(w, slot);
    let seen: number;
    while ((seen = Atomics.load(w, slot)) < n) Atomics.wait(w, slot, seen, 50);
    return threadId;
  },
  /** piscina's notify-then-sleep-or: sets bit `index` of word `slot`, waits until it is cleared. */
  setBitThenWait(slot: number, index: number): number {
    const w = words();
    Atomics.or(w, slot, 1 << index);
    Atomics.notify(w, slot);
    for (;;) {
      const v = Atomics.load(w, slot);
      if ((v & (1 << index)) === 0) return index;
      Atomics.wait(w, slot, v, 50);
    }
  },
  threadId(): number {
    return threadId;
  },
  isWorker(): boolean {
    return !isMainThread;
  },
  env(name: string): string | undefined {
    return process.env[name];
  },
  /** piscina's `({...process.env})`. */
  processEnv(): Record<string, string | undefined> {
    return { ...process.env };
  },
  /** piscina's `process.argv.slice(2)`. */
  processArgv(): string[] {
    return process.argv.slice(2);
  },
  /** piscina's `process.execArgv`. */
  processExecArgv(): string[] {
    return process.execArgv;
  },
  tag(): string | undefined {
    return (jobs.workerData as PortData).tag;
  },
  /** A moved buffer arrives as a SharedBuffer; answers its length and sends a new one back. */
  moveBack(received: SharedBuffer | undefined, length: number): SharedBuffer {
    if (received !== undefined) received.release();
    return move(new ArrayBuffer(length));
  },
  /** Receives a moved buffer: its byte length, then releases it. */
  movedLength(received: SharedBuffer): number {
    const length = received.bytes().length;
    received.release();
    return length;
  },
  /** piscina's send-buffer-then-get-length: sends a buffer with move() and keeps it. */
  send(): SharedBuffer {
    sent = new ArrayBuffer(128);
    return move(sent);
  },
  /** The kept buffer's byte length (0 in piscina, where the buffer was transferred). */
  get(): number | undefined {
    return sent?.byteLength;
  },
  log(lines: string[]): number {
    for (const line of lines) console.log(line);
    return lines.length;
  },
  exit(code: number): never {
    process.exit(code);
  },
  /** Returns 42; its worker exits (code 1) once the test sets word `slot`, between jobs. */
  exitWhenTold(slot: number): number {
    const w = words();
    // Polled on the worker's event loop: the exit comes from a host callback, not from a job.
    setInterval(() => {
      if (Atomics.load(w, slot) !== 0) process.exit(1); // pairs with the test's Atomics.store
    }, 5);
    return 42;
  },
  /** Returns 42; a host callback throws `ms` later, between jobs. */
  throwLater(ms: number): number {
    setTimeout(() => {
      throw new Error("not_caught");
    }, ms);
    return 42;
  },
  /** A host callback throws while the job waits (piscina's `setImmediate(() => { throw })`). */
  *throwWhileWaiting(): Coroutine<never> {
    setTimeout(() => {
      throw new Error("not_caught");
    }, 0);
    return yield* pending<never>();
  },
  /** Allocates until the heap limit ends the worker (piscina's resource-limits fixture). */
  fillHeap(): number {
    const chain: unknown[] = [];
    for (;;) chain.push([chain]);
  },
  /** tinypool's isolated.js: how many jobs this worker's module ran before this one. */
  countRuns(): number {
    return runs++;
  },
  /** tinypool's leak-memory.js: keeps about `kib` KiB of this worker's heap for good; answers its thread. */
  leak(kib: number): number {
    for (let i = 0; i < kib; i++) leaks.push(new Array<number>(128).fill(i + 0.5));
    return threadId;
  },
  /** tinypool's runtime test: a sum, and whether this is the main thread of which process. */
  sumOnWorker(a: number, b: number): { sum: number; isMainThread: boolean; pid: number } {
    return { sum: a + b, isMainThread, pid: process.pid };
  },
  /** Posts `text` on the worker's parentPort, which the runtime does not expect (tinypool's parentPort test). */
  async postOnParentPort(text: string): Promise<number> {
    const { parentPort } = await import("node:worker_threads");
    parentPort?.postMessage(text);
    return 42;
  },
  /** Sends `text` on the workerData channel (piscina's `parentPort.postMessage`). */
  postMessage(text: string): number {
    const tx = SharedSender.from<string>((jobs.workerData as PortData).messages!);
    try {
      tx.sendBlocking(text);
    } finally {
      tx.drop();
    }
    return 42;
  },
});
export default jobs;
