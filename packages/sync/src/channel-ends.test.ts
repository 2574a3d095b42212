// The live-end counts of the single-thread channels (mpsc bounded and unbounded, broadcast, watch):
// the receivers see the end exactly when the last sender is dropped, after draining every value;
// once every receiver is dropped a send fails handing the value back; an end collected by the
// garbage collector without being dropped is dropped then.
import { collectUntil } from "@spindle/test-support";
import assert from "node:assert/strict";
import { test } from "node:test";
import { PENDING, type Poll, type Stream, STREAM_END, type StreamEnd } from "@spindle/core";
import { broadcast, mpsc, oneshot, SendError, watch } from "./mod.ts";
import { TestTask } from "./test-support/harness.ts";

interface AnySender {
  clone(): AnySender;
  drop(): void;
}

/** One channel kind: its first sender and receiver, how a value is sent, and what the receiver yields. */
interface Kind {
  name: string;
  make(): [AnySender, Stream<number>];
  send(tx: AnySender, value: number): void;
  /** What the receiver yields of the values `values` sent since it last drained. */
  seen(values: number[]): number[];
}

const everyValue = (values: number[]) => values;
const kinds: Kind[] = [
  {
    name: "mpsc.bounded",
    make: () => mpsc.bounded<number>(64),
    send: (tx, v) => assert.equal((tx as ReturnType<typeof mpsc.bounded<number>>[0]).trySend(v), true),
    seen: everyValue,
  },
  {
    name: "mpsc.unbounded",
    make: () => mpsc.unbounded<number>(),
    send: (tx, v) => (tx as ReturnType<typeof mpsc.unbounded<number>>[0]).send(v),
    seen: everyValue,
  },
  {
    name: "broadcast",
    make: () => broadcast<number>(64),
    send: (tx, v) => void (tx as ReturnType<typeof broadcast<number>>[0]).send(v),
    seen: everyValue,
  },
  {
    name: "watch",
    make: () => watch<number>(-1),
    send: (tx, v) => (tx as ReturnType<typeof watch<number>>[0]).send(v),
    seen: (values) => values.slice(-1), // only the latest
  },
];

/** Polls `rx` until it is pending or ended; returns what it yielded and how it stopped. */
function drain(task: TestTask, rx: Stream<number>): [number[], Poll<StreamEnd>] {
  const got: number[] = [];
  for (;;) {
    const item = task.pollNext(rx);
    if (item === PENDING || item === STREAM_END) return [got, item];
    got.push(item);
  }
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

for (const kind of kinds) {
  test(`${kind.name}: the receiver sees the end exactly when the last of three senders is dropped, after every value`, () => {
    const [first, rx] = kind.make();
    const [a, b, c] = [first, first.clone(), first.clone()];
    const task = new TestTask();
    for (const v of range(0, 10)) kind.send(a, v);
    a.drop();
    assert.deepEqual(drain(task, rx), [kind.seen(range(0, 10)), PENDING], "two senders left: open");
    for (const v of range(10, 20)) kind.send(b, v);
    b.drop();
    for (const v of range(20, 30)) kind.send(c, v);
    assert.deepEqual(drain(task, rx), [kind.seen(range(10, 30)), PENDING], "one sender left: open");
    for (const v of range(30, 40)) kind.send(c, v);
    c.drop(); // the last, with values buffered: they come first, then the end
    c.drop(); // idempotent: counted once
    assert.deepEqual(drain(task, rx), [kind.seen(range(30, 40)), STREAM_END]);
    assert.equal(task.pollNext(rx), STREAM_END);
  });

  test(`${kind.name}: a waiting receiver is woken by the last sender's drop and sees the end`, () => {
    const [tx, rx] = kind.make();
    const other = tx.clone();
    const task = new TestTask();
    assert.equal(task.pollNext(rx), PENDING);
    tx.drop();
    assert.equal(task.wakes, 0, "one sender left: not woken");
    assert.equal(task.pollNext(rx), PENDING);
    other.drop();
    assert.equal(task.wakes, 1);
    assert.equal(task.pollNext(rx), STREAM_END);
  });

  test(`${kind.name}: a sender collected by the garbage collector without drop() counts as dropped`, async () => {
    const [tx, rx] = kind.make();
    (() => void tx.clone())(); // a clone lost without drop()
    tx.drop();
    const task = new TestTask();
    assert.equal(task.pollNext(rx), PENDING, "the lost clone still counts until it is collected");
    assert.ok(await collectUntil(() => task.wakes > 0), "the collected clone's drop wakes the receiver");
    assert.equal(task.pollNext(rx), STREAM_END);
  });

  test(`${kind.name}: the receiver's drop() drops it as [Symbol.dispose] does (sends fail, the senders see it), twice harmless`, () => {
    const [tx, rx] = kind.make();
    (rx as Stream<number> & { drop(): void }).drop();
    (rx as Stream<number> & { drop(): void }).drop(); // idempotent
    assert.throws(() => kind.send(tx, 1), SendError);
    tx.drop();
  });
}

test("oneshot: the receiver's drop() makes a later send fail with its value, as [Symbol.dispose] does", () => {
  const [tx, rx] = oneshot<string>();
  rx.drop();
  rx.drop(); // idempotent
  assert.throws(() => tx.send("late"), (e) => e instanceof SendError && e.value === "late");
});

test("broadcast and watch: a send after every receiver (subscribed, cloned) is dropped fails with SendError and the value", () => {
  const [btx, brx] = broadcast<string>(4);
  const bReceivers = [brx, btx.subscribe(), brx.resubscribe()];
  const [wtx, wrx] = watch<string>("initial");
  const wReceivers = [wrx, wtx.subscribe(), wrx.clone()];
  for (let i = 0; i < 3; i++) {
    assert.equal(btx.receiverCount, 3 - i);
    assert.equal(btx.send(`b${i}`), 3 - i);
    assert.equal(wtx.receiverCount, 3 - i);
    wtx.send(`w${i}`);
    bReceivers[i]![Symbol.dispose]();
    wReceivers[i]![Symbol.dispose]();
  }
  assert.throws(() => btx.send("late"), (e) => e instanceof SendError && e.value === "late");
  assert.throws(() => wtx.send("late"), (e) => e instanceof SendError && e.value === "late");
  assert.equal(wtx.sendReplace("kept"), "w2");
});

test("mpsc: a receiver collected by the garbage collector without being dropped closes the channel for the senders", async () => {
  const [tx] = (() => {
    const [tx, rx] = mpsc.bounded<number>(1);
    void rx; // the receiver is lost here
    return [tx];
  })();
  assert.equal(tx.trySend(1), true);
  assert.ok(await collectUntil(() => tx.isClosed), "the collected receiver's drop closes the channel");
  assert.throws(() => tx.trySend(2), (e) => e instanceof SendError && e.value === 2);
});

test("broadcast: a receiver collected without being dropped stops counting", async () => {
  const [tx, rx] = broadcast<number>(4);
  (() => void tx.subscribe())();
  assert.equal(tx.receiverCount, 2);
  assert.ok(await collectUntil(() => tx.receiverCount === 1));
  assert.equal(tx.send(1), 1);
  assert.equal(rx.tryRecv(), 1);
});

test("ends abandoned while they wait are collected: the safety net holds nothing that reaches them", async () => {
  const seen = new Set<string>();
  const observer = new FinalizationRegistry<string>((name) => seen.add(name));
  (() => {
    // Each waiting task holds its channel's ends (as a coroutine's frame would) and the channel
    // holds the task's waker: a cycle that only a strong reference from a registry keeps alive.
    const [tx, rx] = mpsc.bounded<number>(1);
    const mpscTask = Object.assign(new TestTask(), { ends: [tx, rx] });
    assert.equal(mpscTask.pollNext(rx), PENDING);
    observer.register(rx, "mpsc receiver");
    const [btx, brx] = broadcast<number>(1);
    const broadcastTask = Object.assign(new TestTask(), { ends: [btx, brx] });
    assert.equal(broadcastTask.pollNext(brx), PENDING);
    observer.register(brx, "broadcast receiver");
    const [wtx, wrx] = watch<number>(0);
    const watchTask = Object.assign(new TestTask(), { ends: [wtx, wrx] });
    assert.equal(watchTask.pollNext(wrx), PENDING);
    observer.register(wrx, "watch receiver");
  })();
  assert.ok(await collectUntil(() => seen.size === 3), `collected: ${[...seen].join(", ") || "none"}`);
});
