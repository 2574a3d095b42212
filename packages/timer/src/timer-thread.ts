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
 * The loop is synchronous and blocks in `Atomics.wait`, so this thread's event loop runs only
 * when an armed client has not introduced itself yet (its buffer is still in a message, sent
 * before it armed): then the loop returns to the event loop until a message arrives.
 */
import { parentPort, workerData } from "node:worker_threads";
import { wakeShared, type SharedWakerHandle } from "@spindle/core";
import { clockNow } from "./clock.ts";
import { SharedTimerState } from "./shared-state.ts";
import type { ClientHello, FromThread, ThreadData, ToThread } from "./thread-messages.ts";

const data = workerData as ThreadData;
const port = parentPort!;
const state = new SharedTimerState(data.buffer);
/** Each client's WakeTable buffer, by client index, once it introduced itself. */
const buffers: (SharedArrayBuffer | undefined)[] = [];
let messageArrived: (() => void) | null = null;

function introduce(hello: ClientHello): void {
  buffers[hello.index] = hello.buffer;
  wakeLoop();
}

function wakeLoop(): void {
  const resume = messageArrived;
  messageArrived = null;
  resume?.();
}

function send(message: FromThread): void {
  port.postMessage(message);
}

port.on("message", (message: ToThread) => {
  if (message.kind === "client") introduce(message);
  else wakeLoop();
});
const channel = new BroadcastChannel(data.channel);
channel.onmessage = (event: { data: ClientHello }) => {
  introduce(event.data);
  send(event.data);
};
// The worker is unref'd by its creator; the channel must not hold the thread open on its own.
(channel as { unref?: () => void }).unref?.();

const CLOSED = 0;
const UNKNOWN_CLIENT = 1;
/** How long a closed timer waits for the introductions of clients that armed (sent already). */
const CLOSE_GRACE_MS = 1_000;

/**
 * Serves until the timer closes (returns `CLOSED`, having woken every armed client) or an armed
 * client has not introduced itself (returns `UNKNOWN_CLIENT` and how long to wait for it: until
 * the next known deadline, or a little while once closed). Returns unlocked.
 */
function serve(due: SharedWakerHandle[]): { outcome: number; waitMs: number } {
  state.lock();
  for (;;) {
    if (state.isClosed) {
      const unknown = collectArmedClients(due);
      state.unlock();
      for (const handle of due) wakeShared(handle);
      due.length = 0;
      return unknown ? { outcome: UNKNOWN_CLIENT, waitMs: CLOSE_GRACE_MS } : { outcome: CLOSED, waitMs: 0 };
    }
    const now = clockNow();
    let earliest = Infinity;
    let unknown = false;
    const clients = state.clientCount;
    for (let i = 0; i < clients; i++) {
      const deadline = state.deadline(i);
      if (deadline === Infinity) continue;
      const buffer = buffers[i];
      if (buffer === undefined) {
        // Armed before its introduction was read: fetch it now rather than at the deadline.
        unknown = true;
      } else if (deadline <= now) {
        due.push({ buffer, slot: state.wakeSlot(i) });
        state.setDeadline(i, Infinity);
        continue;
      }
      if (deadline < earliest) earliest = deadline;
    }
    if (due.length > 0) {
      // Awake: clients arming meanwhile need not notify, the next scan sees their deadlines.
      state.sleepingUntil = -Infinity;
      state.unlock();
      for (const handle of due) wakeShared(handle);
      due.length = 0;
      state.lock();
      continue;
    }
    if (unknown) {
      state.sleepingUntil = -Infinity;
      state.unlock();
      return { outcome: UNKNOWN_CLIENT, waitMs: earliest - now };
    }
    state.sleepingUntil = earliest;
    state.waitForChange(earliest - now);
    state.sleepingUntil = -Infinity;
  }
}

/**
 * Under the mutex, once closed: every client with a deadline, to be woken so that it fails.
 * Returns whether an armed client has not introduced itself yet (its message may still be queued
 * behind the creator's `close`).
 */
function collectArmedClients(due: SharedWakerHandle[]): boolean {
  let unknown = false;
  const clients = state.clientCount;
  for (let i = 0; i < clients; i++) {
    if (state.deadline(i) === Infinity) continue;
    const buffer = buffers[i];
    if (buffer === undefined) {
      unknown = true;
      continue;
    }
    due.push({ buffer, slot: state.wakeSlot(i) });
    state.setDeadline(i, Infinity);
  }
  return unknown;
}

async function run(): Promise<void> {
  const due: SharedWakerHandle[] = [];
  let closedAt = Infinity;
  for (;;) {
    const { outcome, waitMs } = serve(due);
    if (outcome === CLOSED) break;
    if (state.isClosed) {
      closedAt = Math.min(closedAt, clockNow());
      if (clockNow() - closedAt > CLOSE_GRACE_MS) break;
    }
    // A client's introduction is on its way: return to the event loop until a message arrives,
    // or the next known deadline is due.
    await new Promise<void>((resolve) => {
      const timeout = waitMs === Infinity ? undefined : setTimeout(resolve, Math.max(0, waitMs));
      messageArrived = () => {
        clearTimeout(timeout);
        resolve();
      };
    });
  }
  state.markExited();
  channel.close();
}

state.markRunning();
send({ kind: "running" });
try {
  await run();
} catch (error) {
  // A bug here must not leave sleeps pending forever: close, so that every client fails them.
  state.close("thread-exited");
  throw error;
}
