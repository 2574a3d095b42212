/**
 * One thread of the shared-channel stress test (shared-channel-stress.test.ts). Runs a producer and
 * a consumer task on a LocalExecutor. The producer sends `count` messages `{ p, s }` (its index,
 * then 0, 1, 2...; every other one as a number or an ASCII string, which take the codec's scalar
 * path, `encodeScalarInto` and `decodeValueAt`) choosing at random among an awaited `send`, a `send` dropped by `select` when not
 * ready at once (sent again later), `trySend`, and `sendBlocking` with a 1 ms timeout; it posts
 * "sent" when done. The consumer receives until the end choosing at random among an awaited `recv`,
 * a `recv` dropped mid-receive by `select`, `tryRecv`, and `recvBlocking` with a 1 ms timeout; it
 * posts what it received, in order, when it sees STREAM_END (after the main thread's close()).
 * One awaited `send` or `recv` in ten is made on an end that is then swapped for a clone and
 * dropped before the future is awaited: a future outlives its end, and ends come and go on every
 * thread while the others send and receive. Until a send (receive) was dropped, half the sends
 * (receives) are of the dropped kind, so that each run drops some.
 */
import { parentPort, workerData } from "node:worker_threads";
import { type Coroutine, drop, LocalExecutor, PENDING, select, STREAM_END, yieldNow } from "@spindle/core";
import { SharedReceiver, type SharedReceiverHandle, SharedSender, type SharedSenderHandle } from "../mod.ts";
import { pickUntilDropped, random } from "./harness.ts";

/** Message `s` of producer `p`: an object, or the scalars `p * 65536 + s` (+ 0.5) and `"p:s:pad"`. */
export type StressMessage = { readonly p: number; readonly s: number; readonly pad: string } | number | string;

/** Producer `p`'s message `s`, in one of the four forms by `s`. */
function messageOf(p: number, s: number): StressMessage {
  const pad = "x".repeat(s % 40);
  switch (s % 4) {
    case 0:
      return { p, s, pad };
    case 1:
      return p * 65536 + s; // an int32
    case 2:
      return p * 65536 + s + 0.5; // a float64
    default:
      return `${p}:${s}:${pad}`; // an ASCII string of at most 51 characters
  }
}

/** `[p, s]` of a message made by `messageOf`. */
function idOf(message: StressMessage): [number, number] {
  if (typeof message === "number") return [Math.floor(message / 65536), Math.floor(message) % 65536];
  if (typeof message === "string") {
    const [p, s] = message.split(":");
    return [Number(p), Number(s)];
  }
  return [message.p, message.s];
}

export interface StressData {
  readonly index: number;
  readonly count: number;
  readonly seed: number;
  /** Drop this thread's receiver for good after this many messages (the others receive the rest). */
  readonly quitAfter?: number;
  readonly tx: SharedSenderHandle<StressMessage>;
  readonly rx: SharedReceiverHandle<StressMessage>;
}

export interface StressReport {
  readonly received: Array<[number, number]>;
  readonly droppedReceives: number;
  readonly droppedSends: number;
  readonly endSwaps: number;
}

const data = workerData as StressData;
const rand = random(data.seed);
let tx = SharedSender.from(data.tx);
let rx = SharedReceiver.from(data.rx);
let droppedReceives = 0;
let droppedSends = 0;
let endSwaps = 0;

/** Replaces `end` by a clone and drops it; the clone counts before the drop, so nothing closes. */
function swapped<E extends { clone(): E; drop(): void }>(end: E): E {
  const next = end.clone();
  end.drop();
  endSwaps++;
  return next;
}

/** The dropped kind's pick (0.3 ≤ pick < 0.6) in `produce` and `consume`. */
const DROPPED_KIND = 0.45;

function* produce(): Coroutine<void> {
  for (let s = 0; s < data.count;) {
    const message = messageOf(data.index, s);
    const r = pickUntilDropped(rand, droppedSends, DROPPED_KIND);
    if (r < 0.3) {
      const sending = tx.send(message);
      if (rand() < 0.1) tx = swapped(tx); // the send's end dropped before it is awaited
      yield* sending;
      s++;
    } else if (r < 0.6) {
      const first = yield* select(tx.send(message), yieldNow());
      if (first.index === 0) s++;
      else {
        drop(first.rest); // dropped mid-send: nothing was sent; send the same message again
        droppedSends++;
      }
    } else if (r < 0.85) {
      if (tx.trySend(message)) s++;
      else yield* yieldNow();
    } else {
      if (tx.sendBlocking(message, 1)) s++;
      else yield* yieldNow();
    }
  }
  tx.drop(); // this thread's sender leaves for good; the others' and the main thread's keep it open
  parentPort!.postMessage("sent");
}

function* consume(): Coroutine<Array<[number, number]>> {
  const received: Array<[number, number]> = [];
  for (;;) {
    const r = pickUntilDropped(rand, droppedReceives, DROPPED_KIND);
    let got: StressMessage | typeof PENDING | typeof STREAM_END;
    if (r < 0.3) {
      const receiving = rx.recv();
      if (rand() < 0.1) rx = swapped(rx); // the receive's end dropped before it is awaited
      got = yield* receiving;
    } else if (r < 0.6) {
      const first = yield* select(rx.recv(), yieldNow());
      if (first.index === 0) got = first.value;
      else {
        drop(first.rest); // dropped mid-receive: must take nothing
        droppedReceives++;
        got = PENDING;
      }
    } else if (r < 0.85) {
      got = rx.tryRecv();
      if (got === PENDING) yield* yieldNow();
    } else {
      got = rx.recvBlocking(1);
      if (got === PENDING) yield* yieldNow();
    }
    if (got === STREAM_END) return received;
    if (got !== PENDING) received.push(idOf(got));
    if (data.quitAfter !== undefined && received.length >= data.quitAfter) {
      rx.drop(); // this receiver leaves for good mid-stream: the others must take the rest
      return received;
    }
  }
}

const executor = new LocalExecutor();
executor.spawn(produce());
const received = executor.spawn(consume());
await executor.run();
const report: StressReport = { received: await received, droppedReceives, droppedSends, endSwaps };
parentPort!.postMessage(report);
