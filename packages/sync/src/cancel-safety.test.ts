// Random drops of pending waits, with a seeded generator (the seed is in the assertion messages):
// exactly-once delivery, no permit or notification lost, and no lost wake-up (a waiting future is
// polled again only after its waker was woken, and a round where work is left but nothing was
// woken fails).
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type Coroutine,
  type Future,
  LocalExecutor,
  next,
  PENDING,
  select,
  STREAM_END,
  type StreamEnd,
  yieldNow,
} from "@spindle/core";
import { mpsc, Mutex, Notify, Semaphore, type SemaphorePermit, type Sender } from "./mod.ts";
import { random, runWithin } from "./test-support/harness.ts";
import { Actor, assertNoLostWakeUp } from "./test-support/actor.ts";

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];

test("bounded mpsc: sends and receives dropped at random lose no value, deliver none twice and keep per-producer order", () => {
  for (const seed of SEEDS) {
    const rand = random(seed);
    const capacity = 1 + Math.floor(rand() * 4);
    const [tx, rx] = mpsc.bounded<[number, number]>(capacity);
    const producers = Array.from({ length: 4 }, () => ({ actor: new Actor<void>(), next: 0, value: 0 }));
    const senders = producers.map(() => tx.clone());
    tx.drop();
    const receiver = new Actor<[number, number] | StreamEnd>();
    const sent = producers.map(() => new Set<number>());
    const received = producers.map(() => [] as number[]);
    const take = (item: [number, number] | StreamEnd | typeof PENDING): void => {
      if (item === PENDING || item === STREAM_END) return;
      received[item[0]]!.push(item[1]);
    };
    for (let step = 0; step < 3000; step++) {
      const r = rand();
      const p = Math.floor(rand() * producers.length);
      const producer = producers[p]!;
      if (r < 0.35) {
        if (producer.actor.future === null) {
          producer.value = producer.next++;
          if (producer.actor.start(senders[p]!.send([p, producer.value])) !== PENDING) sent[p]!.add(producer.value);
        } else if (producer.actor.pollIfWoken() !== PENDING) sent[p]!.add(producer.value);
      } else if (r < 0.45) {
        producer.actor.drop(); // a pending send dropped: its value must never arrive
      } else if (r < 0.85) {
        take(receiver.future === null ? receiver.start(next(rx)) : receiver.pollIfWoken());
      } else {
        receiver.drop(); // a pending receive dropped: it must take nothing
      }
    }
    // Finish: no new sends; the pending ones complete as the receiver drains; then the senders go.
    for (let round = 0;; round++) {
      assert.ok(round < 10_000, `seed ${seed}: no progress`);
      let progressed = false;
      for (const [p, producer] of producers.entries()) {
        if (producer.actor.woken) {
          progressed = true;
          if (producer.actor.pollIfWoken() !== PENDING) sent[p]!.add(producer.value);
        }
      }
      if (receiver.future === null) {
        const item = receiver.start(next(rx));
        take(item);
        if (item !== PENDING) progressed = true;
      } else if (receiver.woken) {
        progressed = true;
        take(receiver.pollIfWoken());
      }
      const waitingSends = producers.filter((p) => p.actor.future !== null).length;
      if (waitingSends === 0 && senders.length !== 0) {
        for (const sender of senders.splice(0)) sender.drop();
        progressed = true;
      }
      if (waitingSends === 0 && senders.length === 0 && receiver.future === null) {
        const item = rx.tryRecv();
        if (item === STREAM_END) break;
        take(item);
      }
      assert.ok(progressed, `seed ${seed}: work left (${waitingSends} sends waiting) but nothing was woken`);
    }
    for (const [p, values] of received.entries()) {
      assert.deepEqual(
        values,
        [...sent[p]!].sort((a, b) => a - b),
        `seed ${seed}: producer ${p} exactly once, in order`,
      );
    }
    assert.equal(
      producers.reduce((n, p) => n + p.actor.task.live, receiver.task.live),
      0,
      `seed ${seed}: wakers ended`,
    );
  }
});

test("semaphore: acquisitions dropped at random lose no permit and never exceed the limit", () => {
  for (const seed of SEEDS) {
    const rand = random(seed);
    const total = 5;
    const semaphore = new Semaphore(total);
    const actors = Array.from(
      { length: 8 },
      () => ({ actor: new Actor<SemaphorePermit>(), held: null as SemaphorePermit | null }),
    );
    let inUse = 0;
    const got = (a: (typeof actors)[number], permit: SemaphorePermit | typeof PENDING): void => {
      if (permit === PENDING) return;
      a.held = permit;
      inUse += permit.count;
      assert.ok(inUse <= total, `seed ${seed}: ${inUse} permits in use`);
    };
    for (let step = 0; step < 4000; step++) {
      const a = actors[Math.floor(rand() * actors.length)]!;
      const r = rand();
      if (a.held !== null) {
        if (r < 0.5) {
          inUse -= a.held.count;
          a.held.release();
          a.held = null;
        }
      } else if (a.actor.future === null) {
        got(a, a.actor.start(semaphore.acquire(1 + Math.floor(rand() * 3))));
      } else if (r < 0.2) {
        a.actor.drop();
      } else {
        got(a, a.actor.pollIfWoken());
      }
      assertNoLostWakeUp(actors, `seed ${seed} step ${step}`);
    }
    for (const a of actors) {
      a.actor.drop();
      a.held?.release();
    }
    assert.equal(semaphore.availablePermits, total, `seed ${seed}: every permit came back`);
    assert.equal(actors.reduce((n, a) => n + a.actor.task.live, 0), 0, `seed ${seed}: wakers ended`);
  }
});

test("notify: notified() futures dropped at random lose no notifyOne (each completes one waiter or stays as the permit)", () => {
  for (const seed of SEEDS) {
    const rand = random(seed);
    const notify = new Notify();
    const waiters = Array.from({ length: 6 }, () => new Actor<void>());
    let calls = 0;
    let completions = 0;
    const start = (w: Actor<void>): void => {
      if (w.start(notify.notified()) !== PENDING) completions++;
    };
    for (const w of waiters) start(w);
    for (let step = 0; step < 4000; step++) {
      const r = rand();
      const w = waiters[Math.floor(rand() * waiters.length)]!;
      if (r < 0.3) {
        // Only while someone is queued (polled, not woken): then no notifyOne merges into a kept permit.
        if (waiters.some((x) => x.future !== null && !x.woken)) {
          notify.notifyOne();
          calls++;
        }
      } else if (r < 0.5) {
        w.drop(); // possibly after notifyOne chose it: the notification must pass on
        start(w); // a new waiter at once, which takes a permit left by the drop
      } else if (w.future === null) {
        start(w);
      } else if (w.pollIfWoken() !== PENDING) {
        completions++;
      }
    }
    for (const w of waiters) {
      if (w.woken && w.pollIfWoken() !== PENDING) completions++;
      w.drop();
    }
    const probe = new Actor<void>();
    const permit = probe.start(notify.notified()) === PENDING ? 0 : 1;
    probe.drop();
    assert.equal(completions + permit, calls, `seed ${seed}: ${calls} notifyOne calls, ${completions} completions`);
    assert.ok(calls > 100, `seed ${seed}: the test exercised notifyOne (${calls} calls)`);
  }
});

// The same on a real executor: each wait races `yieldNow()` in a `select`, which drops the wait
// whenever it is still pending on its second poll.

function* orDrop<T>(future: Future<T>): Coroutine<{ ok: true; value: T } | { ok: false }> {
  const first = yield* select(future, yieldNow());
  if (first.index === 0) {
    first.rest[Symbol.dispose]();
    return { ok: true, value: first.value };
  }
  first.rest[Symbol.dispose]();
  return { ok: false };
}

test("on a LocalExecutor, sends and receives dropped by select lose nothing and keep per-producer order", async () => {
  const [tx, rx] = mpsc.bounded<[number, number]>(2);
  const PER_PRODUCER = 300;
  let dropped = 0;
  function* producer(id: number, tx: Sender<[number, number]>): Coroutine<void> {
    for (let i = 0; i < PER_PRODUCER;) {
      if ((yield* orDrop(tx.send([id, i]))).ok) i++;
      else dropped++;
    }
    tx.drop();
  }
  function* consumer(): Coroutine<number[][]> {
    const seen: number[][] = [[], [], [], []];
    for (;;) {
      const got = yield* orDrop(next(rx));
      if (!got.ok) {
        dropped++;
        continue;
      }
      if (got.value === STREAM_END) return seen;
      seen[got.value[0]]!.push(got.value[1]);
    }
  }
  const executor = new LocalExecutor();
  for (let id = 0; id < 4; id++) executor.spawn(producer(id, tx.clone()));
  tx.drop();
  const seen = executor.spawn(consumer());
  await runWithin(executor, 20_000, "producers and consumer");
  for (const values of await seen) assert.deepEqual(values, Array.from({ length: PER_PRODUCER }, (_, i) => i));
  assert.ok(dropped > 100, `waits were dropped (${dropped})`);
});

test("on a LocalExecutor, lock and acquire futures dropped by select lose no permit", async () => {
  const mutex = new Mutex(0);
  const semaphore = new Semaphore(3);
  let inside = 0;
  let dropped = 0;
  function* worker(): Coroutine<void> {
    for (let done = 0; done < 100;) {
      const permit = yield* orDrop(semaphore.acquire(1 + (done % 2)));
      if (!permit.ok) {
        dropped++;
        continue;
      }
      const guard = yield* orDrop(mutex.lock());
      if (guard.ok) {
        assert.equal(++inside, 1);
        yield* yieldNow();
        guard.value.value++;
        inside--;
        guard.value.release();
        done++;
      } else {
        dropped++;
      }
      permit.value.release();
    }
  }
  const executor = new LocalExecutor();
  for (let i = 0; i < 8; i++) executor.spawn(worker());
  await runWithin(executor, 20_000, "workers");
  assert.equal(mutex.tryLock()!.value, 800);
  assert.equal(semaphore.availablePermits, 3);
  assert.ok(dropped > 100, `waits were dropped (${dropped})`);
});
