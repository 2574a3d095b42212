import { KEY } from "../construct-key.ts";
import {
  checkOptions,
  describe,
  noPublicConstructor,
  permissionDenied,
  SpindleError,
  wakeShared,
  WakeTable,
} from "@spindle/core";
import { Worker } from "node:worker_threads";
import { type CloseReason, TimerThreadStartError } from "../errors.ts";
import { HostDriver } from "./host-driver.ts";
import { CLOSE_GRACE_MS, SharedTimerState } from "./shared-state.ts";
import { ThreadDriver } from "./thread-driver.ts";
import { creatorClients, nextThreadFault, timerThreads } from "./reactor-workers.ts";
import type { ClientHello, FromThread, ThreadData, ToThread } from "./thread-messages.ts";
import { createTimer, type Timer } from "../timer.ts";
import { closeCauseFor } from "../driver.ts";
import { TimerQueue } from "../timer-queue.ts";

/**
 * Which driver a reactor uses: `"thread"` (the timer thread; needs `SharedArrayBuffer` and
 * workers), `"host"` (the host's `setTimeout`, same API, millisecond precision, cannot wake a
 * thread parked in `blockOn`), or `"auto"` (the thread when the host allows it, else the host).
 */
export type DriverChoice = "thread" | "host" | "auto";

/** Options of {@linkcode TimerReactor.start}. */
export interface TimerReactorOptions {
  /** The driver; default `"auto"`. {@linkcode TimerReactor.driver} reports the one chosen. */
  readonly driver?: DriverChoice;
  /**
   * With `"auto"`: whether falling back to the host driver prints one warning (`console.warn`,
   * once per process) saying why. Default `true`; the reason is on
   * {@linkcode TimerReactor.fallbackReason} either way.
   */
  readonly warnOnFallback?: boolean;
}

/** How long closing waits for the timer thread to leave its loop before terminating it. */
const JOIN_TIMEOUT_MS = 1_000;

let makeReactor: (
  timer: Timer,
  close: () => void,
  closeReason: () => CloseReason | null,
  fallbackReason: Error | null,
) => TimerReactor;
let warnedOnFallback = false;

/**
 * Owns the timer thread (or the host-timer fallback) and hands out its {@linkcode Timer}.
 *
 * The thread sleeps on a condition variable in shared memory until the earliest deadline of any
 * thread's timers, wakes the due ones through their threads' `WakeTable`s, and holds the process
 * open only while some sleep is pending. Disposing the reactor stops and joins the thread; every
 * pending sleep then fails with a {@linkcode TimerClosedError} (`reason: "disposed"`). If the
 * thread dies, they fail with `reason: "thread-exited"` and the reactor reports itself closed.
 *
 * @example
 * ```ts
 * import { blockOn } from "@spindle/core";
 * import { Instant, TimerReactor } from "@spindle/timer";
 *
 * const reactor = await TimerReactor.start();
 * console.log(reactor.driver); // thread
 * const start = Instant.now();
 * blockOn(reactor.timer.sleep(2.5)); // blockOn parks; the timer thread wakes it
 * console.log(start.elapsed() >= 2.5); // true
 * reactor.close(); // stops and joins the timer thread
 * ```
 */
export class TimerReactor implements Disposable {
  /** The timer of this thread; share it with other threads through {@linkcode Timer.share}. */
  readonly timer: Timer;
  readonly #close: () => void;
  readonly #closeReason: () => CloseReason | null;
  /**
   * Why `"auto"` fell back to the host driver (the thread's start error, or the missing
   * primitive); `null` when the thread runs or the host driver was chosen.
   */
  readonly fallbackReason: Error | null;

  private constructor(
    key: typeof KEY,
    timer: Timer,
    close: () => void,
    closeReason: () => CloseReason | null,
    fallbackReason: Error | null,
  ) {
    if (key !== KEY) throw noPublicConstructor("TimerReactor", "use TimerReactor.start()", key);
    this.timer = timer;
    this.#close = close;
    this.#closeReason = closeReason;
    this.fallbackReason = fallbackReason;
  }

  /**
   * Starts a reactor. With the thread driver this resolves once the timer thread serves (tens
   * of milliseconds; about 55 ms on Node here), so that no first sleep waits for it.
   *
   * With `driver: "thread"`, a thread that cannot start rejects with a
   * {@linkcode TimerThreadStartError} whose `cause` is the runtime's error, or with core's
   * `PermissionDeniedError` naming Deno's missing flag (`--allow-read`). With `"auto"` the same
   * error becomes {@linkcode TimerReactor.fallbackReason} and the host driver runs.
   */
  static async start(options?: TimerReactorOptions): Promise<TimerReactor> {
    options = checkOptions(options, "TimerReactor.start()", ["driver", "warnOnFallback"]);
    const choice: unknown = options.driver === undefined ? "auto" : options.driver;
    if (choice !== "thread" && choice !== "host" && choice !== "auto") {
      throw new SpindleError(
        "INVALID_ARGUMENT",
        `driver must be "thread", "host" or "auto", got ${describe(choice)}`,
      );
    }
    const warn: unknown = options.warnOnFallback;
    if (warn !== undefined && typeof warn !== "boolean") {
      throw new SpindleError("INVALID_ARGUMENT", `warnOnFallback must be a boolean, got ${describe(warn)}`);
    }
    if (choice === "host") return startHost(null);
    const missing = missingPrimitive();
    if (choice === "auto" && missing !== null) {
      return fallBack(new TimerThreadStartError(`this host lacks ${missing}`), options);
    }
    try {
      return await startThread();
    } catch (error) {
      const reason = permissionDenied(error, "starting the timer thread") ?? new TimerThreadStartError(error);
      if (choice === "auto") return fallBack(reason, options);
      throw reason;
    }
  }

  /** The driver in use: `"thread"` or `"host"`. */
  get driver(): "thread" | "host" {
    return this.timer.driver === "host" ? "host" : "thread";
  }

  /** Whether the reactor closed (disposed, or its thread died). */
  get isClosed(): boolean {
    return this.#closeReason() !== null;
  }

  /** Why the reactor closed, or `null` while it runs. */
  get closeReason(): CloseReason | null {
    return this.#closeReason();
  }

  /**
   * Stops the driver and joins the timer thread: every pending sleep, timeout and interval of
   * every thread fails with a `TimerClosedError`. Closing twice is harmless.
   */
  close(): void {
    this.#close();
  }

  /** Same as {@linkcode TimerReactor.close}, for `using`. */
  [Symbol.dispose](): void {
    this.#close();
  }

  static {
    makeReactor = (timer, close, closeReason, fallbackReason) =>
      new TimerReactor(KEY, timer, close, closeReason, fallbackReason);
  }
}

/** What the timer thread needs that this host lacks, or `null`. */
function missingPrimitive(): string | null {
  if (typeof SharedArrayBuffer !== "function") return "SharedArrayBuffer";
  if (typeof Atomics.wait !== "function") return "Atomics.wait";
  if (typeof BroadcastChannel !== "function") return "BroadcastChannel";
  return null;
}

function fallBack(reason: Error, options: TimerReactorOptions): TimerReactor {
  if (options.warnOnFallback !== false && !warnedOnFallback) {
    warnedOnFallback = true;
    console.warn(
      `@spindle/timer: ${reason.message}; using the host driver (setTimeout: millisecond precision, cannot wake a thread in blockOn). ` +
        `The reason is on reactor.fallbackReason; pass { warnOnFallback: false } to silence this, or { driver: "host" } to choose it.`,
    );
  }
  return startHost(reason);
}

function startHost(fallbackReason: Error | null): TimerReactor {
  let driver!: HostDriver;
  const queue = new TimerQueue((q) => (driver = new HostDriver(q)));
  return makeReactor(createTimer(queue, null), () => driver.close(), () => driver.closeReason, fallbackReason);
}

/**
 * Starts the timer thread's worker. The entry is named by the literal
 * `new Worker(new URL("./timer-thread.js", import.meta.url))`, the form bundlers follow, and is
 * resolved only here, never at module load (a bundler that moved it must not break the import).
 * From source, `./timer-thread.js` is a shim beside `timer-thread.ts` that imports it.
 *
 * Loaded over `http(s):` (as JSR serves Deno), the worker starts from a `data:` module that
 * imports the entry: Deno's `node:worker_threads` accepts only `file:` and `data:` URLs.
 */
function spawnThread(workerData: ThreadData): Worker {
  const options = { workerData, name: "spindle-timer" };
  if (import.meta.url.startsWith("file:")) return new Worker(new URL("./timer-thread.js", import.meta.url), options);
  // webpackIgnore: this URL is only imported by the data: module, not a file to copy into a bundle.
  return new Worker(importing(new URL(/* webpackIgnore: true */ "./timer-thread.js", import.meta.url)), options);
}

/** A `data:` module that imports `entry`. */
function importing(entry: URL): URL {
  return new URL(`data:text/javascript,${encodeURIComponent(`import ${JSON.stringify(entry.href)};`)}`);
}

async function startThread(): Promise<TimerReactor> {
  const state = SharedTimerState.create();
  const channel = `spindle-timer-${crypto.randomUUID()}`;
  const fault = nextThreadFault.fault;
  nextThreadFault.fault = null;
  const workerData: ThreadData = { buffer: state.buffer, channel, ...(fault === null ? {} : { fault }) };
  const worker = spawnThread(workerData);
  const index = state.allocateClient();
  post(worker, { kind: "client", index, buffer: WakeTable.forThisThread().buffer });
  /** The clients of other threads, for waking them if the thread dies. */
  const clients: ClientHello[] = [];
  const wakeClient = (client: ClientHello): void => {
    const slot = state.wakeSlot(client.index); // -1: corrupted, and the timer closed for it
    if (slot >= 0) wakeShared({ buffer: client.buffer, slot });
  };
  /**
   * Wakes every client this thread knows, without the mutex (the thread may have died holding
   * it); a client woken while its timer runs, or twice, takes it as a spurious wake.
   */
  const wakeEveryClient = (): void => {
    for (const client of clients) wakeClient(client);
  };
  /** What closed the timer (the first one known wins): the `cause` of its failures here. */
  let cause: unknown;
  let started = false;
  let closing = false;
  let exited = false;
  // deno-lint-ignore prefer-const -- the exit listener below reads it before it is assigned
  let queue: TimerQueue | undefined;

  await new Promise<void>((resolve, reject) => {
    worker.on("message", (message: FromThread) => {
      if (message.kind === "running") {
        started = true;
        resolve();
      } else if (message.kind === "corrupted") {
        // The thread closed the timer and left its loop: end it; the exit fails what is pending,
        // with the finding summarised in the shared state as cause (see ThreadDriver.closeCause).
        void worker.terminate();
      } else {
        clients.push(message);
        // Introduced once the timer had closed (the thread still waits for it, or has died): it
        // may have armed before the close, so wake it now rather than trust that the thread will.
        if (state.isClosed) wakeClient(message);
      }
    });
    worker.on("error", (error) => {
      // The thread's error is the cause unless something else closed the timer first (a close,
      // a corruption): the thread closes it as "thread-exited" itself before its error escapes,
      // and summarises it in the shared state before that (a timer of this thread that fails
      // before this event gets the summary: see ThreadDriver.closeCause).
      const reason = state.closeReason;
      if (reason === null || reason === "thread-exited") cause ??= asComplete(error, state.threadError);
    });
    worker.on("exit", (code) => {
      const exit = new Error(`the timer thread exited with code ${code}${started ? "" : " before it started"}`);
      reject(cause ?? exit);
      exited = true;
      // Died, or was ended after a close: fail every pending timer of every thread it knew. The
      // code is stored before the close, for the failures of the other threads (see
      // SharedTimerState). The exit is the cause only when it closed the timer: a thread ended
      // after a close or a corruption leaves that one's cause. Woken whatever closed the timer:
      // the thread may have died during a close before it woke them all.
      state.recordExitCode(code);
      if (state.close("thread-exited")) cause ??= exit;
      wakeEveryClient();
      queue?.fire();
    });
  });
  // Listeners are attached: from now on the thread must not hold the process open by itself.
  worker.unref();

  const shared = { buffer: state.buffer, channel };
  const ownQueue = new TimerQueue((q) => new ThreadDriver(q, state, index, () => cause));
  queue = ownQueue;
  const timer = createTimer(ownQueue, shared);

  const close = (): void => {
    if (closing) return;
    closing = true;
    if (state.close("disposed")) {
      cause ??= closeCauseFor("disposed", null); // made here: its stack shows who closed the timer
      state.notifyThread();
      post(worker, { kind: "close" });
    }
    // Joined whoever closed the timer (a thread that found corruption serves on, as after a
    // close, until it woke every client that armed): ending the thread earlier could strand a
    // client whose introduction it still waits for. Not when it is known to have died.
    if (exited || state.waitUntilExited(JOIN_TIMEOUT_MS)) {
      void worker.terminate();
    } else {
      // The thread still waits for the introduction of a client that armed before the close
      // (its message is in flight). It wakes that client when the message arrives and then
      // leaves its loop, within CLOSE_GRACE_MS: end it only then. Meanwhile wake every client
      // known here (spurious for those the thread woke already).
      wakeEveryClient();
      void state.whenExited(CLOSE_GRACE_MS + JOIN_TIMEOUT_MS).then(() => worker.terminate());
    }
    ownQueue.fire();
  };
  const reactor = makeReactor(timer, close, () => state.closeReason, null);
  timerThreads.set(reactor, worker);
  creatorClients.set(reactor, clients);
  return reactor;
}

/**
 * The runtime's copy of the timer thread's error when it says as much as the thread's summary of
 * it (`summary`): Node's is a structured clone with name, code and stack. Else the summary:
 * Deno's `error` event carries the message only, and Bun's the name `"Error"` for any subclass
 * (measured); without a summary (the thread died of something it could not record), the copy.
 */
function asComplete(error: unknown, summary: Error | null): unknown {
  if (summary === null) return error;
  return error instanceof Error && error.name === summary.name && typeof error.stack === "string" ? error : summary;
}

function post(worker: Worker, message: ToThread): void {
  worker.postMessage(message);
}
