/**
 * The timer thread: a worker that sleeps on the shared condition variable until the earliest
 * deadline of any client, takes every due client out under the mutex, releases the mutex, and
 * only then wakes them (waking touches another thread's memory and may run `Atomics.notify`;
 * nobody should wait for the mutex meanwhile).
 *
 * Each client is one thread's queue of timers, represented here by its earliest deadline and the
 * `WakeTable` slot to wake; the thread never sees individual timers, so its work per wake is
 * O(clients), whatever the number of timers.
 *
 * The thread never spins. Spinning before deadlines (`Atomics.wait` returns 70–170 µs after its
 * timeout here) and after wakes (for the client's re-arm) halved the median lateness, but on two
 * vCPUs the spinning thread competes with the very threads it wakes, and the tail got worse.
 *
 * The loop is synchronous and blocks in `Atomics.wait`, so this thread's event loop runs only
 * when an armed client has not introduced itself yet (its buffer is still in a message, sent
 * before it armed): then the loop returns to the event loop until a message arrives.
 */
import { isMainThread, type MessagePort, parentPort, workerData } from "node:worker_threads";
import { wakeShared, WakeTable } from "@spindle/core";
import { clockNow } from "../clock.ts";
import process from "node:process";
import { CLOSE_GRACE_MS, SharedTimerState } from "./shared-state.ts";
import type { ClientHello, FromThread, ThreadData, ThreadFault, ToThread } from "./thread-messages.ts";

/** The creator's client index: it allocates first, before the timer can be shared. */
const CREATOR = 0;

/** What {@linkcode TimerThread.serve} stopped for. */
type Outcome =
  | { readonly closed: true }
  | { readonly closed: false; readonly waitForMessageMs: number };

class TimerThread {
  readonly #state: SharedTimerState;
  readonly #port: MessagePort;
  readonly #channel: InstanceType<typeof BroadcastChannel>;
  /**
   * Each client's wake handle (its WakeTable buffer, and the slot read under the mutex before each
   * wake), by client index, once it introduced itself. Reused, like `#due`, so that the loop
   * allocates nothing: a garbage collection on this thread is a late wake for every client.
   */
  readonly #handles: ({ readonly buffer: SharedArrayBuffer; slot: number } | undefined)[] = [];
  /** The indices of the clients to wake. */
  readonly #due: number[] = [];
  /** Set by `#collectDue`: an armed client has not introduced itself yet. */
  #unknownArmed = false;
  #messageArrived: (() => void) | null = null;
  /** Tests only: the fault to die of (see {@linkcode ThreadFault}). */
  readonly #fault: ThreadFault | undefined;

  constructor(data: ThreadData, port: MessagePort) {
    this.#state = SharedTimerState.attach(data.buffer);
    this.#fault = data.fault;
    this.#port = port;
    port.on("message", (message: ToThread) => {
      try {
        if (message.kind === "client") this.#introduce(message);
        else this.#resume();
      } catch (error) {
        this.#fail(error);
      }
    });
    this.#channel = new BroadcastChannel(data.channel);
    this.#channel.onmessage = (event: { data: unknown }) => {
      try {
        const hello = event.data;
        // Anyone holding the shared timer can post here: a message that is not a well-formed
        // introduction is ignored (no Timer.fromShared sends one), so that it cannot kill the
        // thread or redirect a client's wakes to a buffer that is not a WakeTable.
        if (!this.#isHello(hello)) return;
        // Forwarded before it counts as introduced: the creator wakes this client itself if the
        // thread dies, so a client this thread knows is one whose introduction is on its way there.
        this.#send(hello);
        this.#introduce(hello);
      } catch (error) {
        this.#fail(error);
      }
    };
    // The worker is unref'd by its creator; the channel must not hold the thread open on its own.
    (this.#channel as { unref?: () => void }).unref?.();
  }

  /** Serves until the timer closes, then wakes every armed client and leaves. */
  async run(): Promise<void> {
    const state = this.#state;
    try {
      // The creator introduces itself before it waits for "running": read that first, so that its
      // first sleep does not wait for the introduction.
      while (this.#handles[CREATOR] === undefined) await this.#nextMessage(Infinity);
      if (this.#fault?.whenArmed === null) this.#die(this.#fault);
      this.#send({ kind: "running" });
      let closedAt = Infinity;
      for (;;) {
        const outcome = this.#serve();
        if (outcome.closed) break;
        if (state.isClosed) {
          closedAt = Math.min(closedAt, clockNow());
          if (clockNow() - closedAt > CLOSE_GRACE_MS) break;
        }
        // Back within PROBE_ANSWER_MS: a client parked in blockOn may be probing (see #serve).
        await this.#nextMessage(Math.min(outcome.waitForMessageMs, PROBE_ANSWER_MS));
      }
      // Every client this thread could reach was woken to fail, with what was found as cause (its
      // summary is in the shared state). Nobody will terminate this thread for a close it was not
      // asked for: tell the creator, which ends it and fails its own timers (its slot may be the
      // corrupted word, so this thread may not have woken it).
      if (state.closeReason === "corrupted") this.#send({ kind: "corrupted" });
      state.markExited();
      this.#channel.close();
    } catch (error) {
      this.#fail(error);
    }
  }

  /**
   * Dies of `error`, a bug here (or a test's fault): it must not leave sleeps pending forever, nor
   * lose why. Summarises the error in the shared state first, then closes the timer: every client
   * that sees the close reads the error with it (see `SharedTimerState`), whether or not its
   * thread ever receives an event of this thread's death. Then wakes every client known but the
   * creator (the creator wakes them too once this thread's exit reaches it, but they may be
   * parked in blockOn meanwhile). The creator's timers fail from its exit listener, after its
   * error listener took the runtime's copy of `error` when that is as complete as the summary
   * (Node's); a creator that polls a timer in between, or is parked in blockOn (its park check
   * finds the timer closed), fails with the summary.
   */
  #fail(error: unknown): never {
    const state = this.#state;
    state.recordThreadError(error);
    state.close("thread-exited");
    this.#wakeEveryKnownClient(CREATOR);
    throw error;
  }

  /** Tests only: dies of `fault` (see {@linkcode ThreadFault}). */
  #die(fault: ThreadFault): never {
    if (fault.kind === "exit") process.exit(fault.code);
    throw new Error(`injected timer thread fault (code ${fault.code})`);
  }

  /**
   * The synchronous loop. Returns, unlocked, when the timer closed and every armed client was
   * woken, or when an armed client has not introduced itself (with how long to wait for its
   * message: until the next known deadline, or a grace period once closed).
   */
  #serve(): Outcome {
    const state = this.#state;
    const due = this.#due;
    if (!state.lock()) return this.#wakeEveryKnownClient();
    for (;;) {
      // Alive: clients parked in blockOn probe for that, as they cannot receive this thread's exit.
      state.answerProbes();
      if (state.isClosed) {
        const unknown = this.#collectArmed(due);
        state.unlock();
        this.#wake(due);
        return unknown ? { closed: false, waitForMessageMs: CLOSE_GRACE_MS } : { closed: true };
      }
      const fault = this.#fault;
      if (
        fault !== undefined && this.#handles[fault.whenArmed!] !== undefined &&
        state.deadline(fault.whenArmed!) !== Infinity
      ) {
        state.unlock();
        this.#die(fault);
      }
      const now = clockNow();
      const earliest = this.#collectDue(due, now);
      if (due.length > 0) {
        // Awake: clients arming meanwhile need not notify; the next scan sees their deadlines.
        state.sleepingUntil = -Infinity;
        state.unlock();
        this.#wake(due);
        if (!state.lock()) return this.#wakeEveryKnownClient();
        continue;
      }
      if (this.#unknownArmed) {
        state.sleepingUntil = -Infinity;
        state.unlock();
        return { closed: false, waitForMessageMs: earliest - now };
      }
      state.sleepingUntil = earliest;
      if (!state.waitForChange(earliest - now)) return this.#wakeEveryKnownClient();
      state.sleepingUntil = -Infinity;
    }
  }

  /**
   * Under the mutex: takes every due client (clearing its deadline) into `due`; returns the
   * earliest deadline left, and sets `#unknownArmed`.
   */
  #collectDue(due: number[], now: number): number {
    const state = this.#state;
    let earliest = Infinity;
    this.#unknownArmed = false;
    const clients = state.clientCount;
    for (let i = 0; i < clients; i++) {
      const deadline = state.deadline(i);
      if (deadline === Infinity) continue;
      const handle = this.#handles[i];
      if (handle === undefined) {
        // Armed before its introduction was read: fetch it now rather than at the deadline.
        this.#unknownArmed = true;
      } else if (deadline <= now) {
        handle.slot = state.wakeSlot(i);
        due.push(i);
        state.setDeadline(i, Infinity);
        continue;
      }
      if (deadline < earliest) earliest = deadline;
    }
    return earliest;
  }

  /**
   * Under the mutex, once closed: every armed client, to be woken so that it fails. Returns whether
   * an armed client has not introduced itself yet (its message may be queued behind `close`).
   */
  #collectArmed(due: number[]): boolean {
    const state = this.#state;
    let unknown = false;
    const clients = state.clientCount;
    for (let i = 0; i < clients; i++) {
      if (state.deadline(i) === Infinity) continue;
      const handle = this.#handles[i];
      if (handle === undefined) {
        unknown = true;
        continue;
      }
      handle.slot = state.wakeSlot(i);
      due.push(i);
      state.setDeadline(i, Infinity);
    }
    return unknown;
  }

  /** Wakes the collected clients (without the mutex) and empties the list. */
  #wake(due: number[]): void {
    for (const i of due) {
      const handle = this.#handles[i]!;
      if (handle.slot >= 0) wakeShared(handle); // -1: the slot word was corrupted (now closed)
    }
    due.length = 0;
  }

  /**
   * The timer closed and its lock cannot be taken (corrupted, or held by a thread that died):
   * wakes every client this thread knows (but `except`), without the lock, as the creator does
   * when the thread dies (a spurious wake is harmless), so that their timers fail.
   */
  #wakeEveryKnownClient(except = -1): Outcome {
    const state = this.#state;
    for (let i = 0; i < this.#handles.length; i++) {
      const handle = this.#handles[i];
      if (handle === undefined || i === except) continue;
      handle.slot = state.wakeSlot(i);
      if (handle.slot >= 0) wakeShared(handle);
    }
    return { closed: true };
  }

  /** Whether `message` is a well-formed introduction of a client index handed out. */
  #isHello(message: unknown): message is ClientHello {
    if (typeof message !== "object" || message === null) return false;
    const { kind, index, buffer } = message as Partial<ClientHello>;
    return kind === "client" && Number.isInteger(index) && index! >= 0 && index! < this.#state.clientCount &&
      buffer instanceof SharedArrayBuffer &&
      buffer.byteLength === (wakeTableBytes ??= WakeTable.createBuffer().byteLength);
  }

  /** Returns to the event loop until a message arrives or `timeoutMs` passed. */
  #nextMessage(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timeout = timeoutMs === Infinity ? undefined : setTimeout(resolve, Math.max(0, timeoutMs));
      this.#messageArrived = () => {
        clearTimeout(timeout);
        resolve();
      };
    });
  }

  #introduce(hello: ClientHello): void {
    this.#handles[hello.index] = { buffer: hello.buffer, slot: 0 };
    this.#state.markIntroduced(hello.index);
    this.#resume();
  }

  #resume(): void {
    const resume = this.#messageArrived;
    this.#messageArrived = null;
    resume?.();
  }

  #send(message: FromThread): void {
    this.#port.postMessage(message);
  }
}

/**
 * How long the thread may wait for a message before it goes round its loop again, answering the
 * liveness probes of clients parked in blockOn (see `SharedTimerState`).
 */
const PROBE_ANSWER_MS = 250;

/** The size of every `WakeTable` buffer, measured on the first introduction from a thread. */
let wakeTableBytes: number | undefined;

// This module is the timer thread's entry point; imported on a main thread (a documentation
// tool loading every module, say) it starts nothing.
//
// No top-level await here or anywhere in this thread's module graph. Node 22 and 24 (V8) abort
// the whole process with "Check failed: (location_) != nullptr" when a worker is terminated (by
// `terminate()` or at process exit) while an async module's evaluation settles and its importer
// is about to run: V8 executes the importer, the termination leaves no exception value, and its
// `ToHandleChecked` fails. From source the entry is the `timer-thread.js` shim importing this
// module, and the creator terminates the thread right after it leaves its loop, so the process
// could crash at `close()`: measured here once in about 3,000 closes; a plain worker that
// signals and then ends its top-level await under a shim crashed on 12 of 15 terminates. Deno
// and Bun are not affected (see docs/architecture.md). The thread is held open by its port's
// listener, not by the evaluation, so nothing waits on `run()`; a bug that escapes it is
// rethrown from a task, which ends the thread and reaches the creator's `error` listener.
if (!isMainThread) {
  new TimerThread(workerData as ThreadData, parentPort!).run().catch((error: unknown) => {
    setTimeout(() => {
      throw error;
    });
  });
}
