import assert from "node:assert/strict";
import { test } from "node:test";
import { type RawWaker, type RawWakerVTable, replaceRawWaker } from "@spindle/core";
import type { Driver } from "./driver.ts";
import { recordingContext } from "./test-support/recording-waker.ts";
import { TimerEntry, TimerQueue } from "./timer-queue.ts";

/** A queue on a hand-moved clock that records what it was armed for. */
function manualQueue(start = 1e11): { queue: TimerQueue; clock: { now: number; armed: number } } {
  const clock = { now: start, armed: Infinity };
  const driver: Driver = {
    kind: "virtual",
    now: () => clock.now,
    arm: (deadline) => (clock.armed = deadline),
    closeReason: null,
    seemsOpen: true,
    closeCause: undefined,
  };
  return { queue: new TimerQueue(() => driver), clock };
}

for (const limit of [Infinity, 64]) {
  test(`random deadlines, fire(${limit}): each entry is woken exactly once and never before its deadline`, () => {
    const { queue, clock } = manualQueue();
    const vtable: RawWakerVTable<{ deadline: number; wokenAt: number[] }> = {
      clone: () => assert.fail("the queue does not clone"),
      wake: (seen) => void seen.wokenAt.push(clock.now),
      wakeByRef: () => assert.fail("the queue wakes by value"),
      drop: () => assert.fail("a fired entry's waker is woken, not dropped"),
    };
    const seen = Array.from(
      { length: 100_000 },
      () => ({ deadline: clock.now + Math.random() * 500, wokenAt: [] as number[] }),
    );
    for (const s of seen) queue.insert(new TimerEntry(s.deadline), { data: s, vtable });
    let fires = 0;
    while (queue.size > 0) {
      assert.ok(clock.armed < Infinity, "a non-empty queue is armed");
      // Fire at the armed instant or a little after, as a real driver would.
      clock.now = Math.max(clock.now, clock.armed) + Math.random() * 0.2;
      assert.ok(queue.fire(limit) <= limit);
      if (++fires > 1_000_000) assert.fail("the queue does not drain");
    }
    for (const s of seen) {
      assert.equal(s.wokenAt.length, 1, "woken exactly once");
      assert.ok(s.wokenAt[0]! >= s.deadline, "never early");
    }
    assert.equal(clock.armed, Infinity, "an empty queue disarms");
  });
}

test("fire(limit) wakes a backlog a slice at a time, earliest tick first, arming at once for the rest", () => {
  const { queue, clock } = manualQueue(1e11);
  const t = clock.now;
  const woken: { index: number; at: number }[] = [];
  const vtable: RawWakerVTable<number> = {
    clone: () => assert.fail("the queue does not clone"),
    wake: (index) => void woken.push({ index, at: clock.now }),
    wakeByRef: () => assert.fail("the queue wakes by value"),
    drop: () => {},
  };
  // Half in the ring (the next 10 ms), half in the wheel (two seconds on), one of which is
  // cancelled while due; one more is filed while the ring is behind the clock.
  const entries: TimerEntry[] = [];
  const add = (deadline: number): TimerEntry => {
    const entry = new TimerEntry(deadline);
    queue.insert(entry, { data: entries.length, vtable });
    entries.push(entry);
    return entry;
  };
  for (let i = 0; i < 1_000; i++) add(t + (i % 2 === 0 ? Math.random() * 10 : 2_000 + Math.random() * 10));
  clock.now = t + 2_100; // a late fire: every entry is due
  assert.equal(queue.fire(100), 100);
  assert.ok(clock.armed <= clock.now, `armed for ${clock.armed - clock.now} ms from now with 900 due`);
  assert.equal(queue.size, 900);
  const cancelled = entries.findIndex((e) => e.dueAt > t + 2_000 && !e.fired);
  queue.remove(entries[cancelled]!);
  const late = entries.indexOf(add(t + 2_050));
  let fires = 1;
  while (queue.size > 0) {
    assert.ok(queue.fire(100) <= 100);
    if (++fires > 100) assert.fail("the backlog does not drain");
  }
  assert.equal(woken.length, 1_000, "each entry once but the cancelled one");
  assert.equal(new Set(woken.map((w) => w.index)).size, 1_000, "none twice");
  assert.ok(!woken.some((w) => w.index === cancelled), "the cancelled entry is not woken");
  assert.ok(woken.some((w) => w.index === late), "the entry filed during the backlog is woken");
  assert.ok(woken.every((w) => w.at >= entries[w.index]!.dueAt), "never early");
  // The ring's backlog (the first 10 ms) first, in tick order; the wheel's entries after it.
  const tickOf = (index: number): number => Math.floor((entries[index]!.dueAt - t) * 16);
  for (let i = 0; i < 500; i++) {
    assert.ok(entries[woken[i]!.index]!.dueAt < t + 10, `the ring's entries first (${i})`);
    if (i > 0) assert.ok(tickOf(woken[i]!.index) >= tickOf(woken[i - 1]!.index), `tick order at ${i}`);
  }
  assert.ok(fires >= 10, `${fires} fires for 1,000 entries, 100 at a time`);
  assert.equal(clock.armed, Infinity, "an empty queue disarms");
});

test("entries due in one fire are woken tick by tick, in registration order within a tick", () => {
  const { queue, clock } = manualQueue(1e11);
  const woken: string[] = [];
  const vtable: RawWakerVTable<string> = {
    clone: () => assert.fail(),
    wake: (n) => void woken.push(n),
    wakeByRef: () => {},
    drop: () => {},
  };
  const waker = (name: string): RawWaker<string> => ({ data: name, vtable });
  const t = clock.now;
  queue.insert(new TimerEntry(t + 5), waker("5 ms"));
  queue.insert(new TimerEntry(t + 1.01), waker("1.01 ms, first"));
  queue.insert(new TimerEntry(t + 1), waker("1 ms, second in the same tick"));
  queue.insert(new TimerEntry(t + 0.5), waker("0.5 ms"));
  assert.equal(clock.armed, t + 0.5, "armed for the earliest deadline");
  clock.now = t + 10;
  assert.equal(queue.fire(), 4);
  assert.deepEqual(woken, ["0.5 ms", "1.01 ms, first", "1 ms, second in the same tick", "5 ms"]);
});

test("an entry due later within the current tick stays queued until its exact deadline", () => {
  const { queue, clock } = manualQueue(1e11); // a tick boundary: 1e11 ms * 16 is whole
  const { cx, record } = recordingContext();
  queue.insert(new TimerEntry(clock.now + 0.05), replaceRawWaker(null, cx.waker));
  clock.now += 0.04; // same 62.5 µs tick, not yet due
  assert.equal(queue.fire(), 0);
  assert.equal(queue.size, 1);
  assert.equal(clock.armed, 1e11 + 0.05);
  clock.now = 1e11 + 0.05;
  assert.equal(queue.fire(), 1);
  assert.equal(record.wokenAt.length, 1);
});

test("removing entries (cancel) leaves the queue empty, disarmed, and wakes nothing", () => {
  const { queue, clock } = manualQueue();
  const { cx, record } = recordingContext();
  const entries = Array.from({ length: 10_000 }, () => new TimerEntry(clock.now + Math.random() * 100));
  for (const entry of entries) queue.insert(entry, replaceRawWaker(null, cx.waker));
  for (let i = entries.length - 1; i >= 0; i -= 2) queue.remove(entries[i]!);
  for (let i = 0; i < entries.length; i += 2) queue.remove(entries[i]!);
  assert.equal(queue.size, 0);
  assert.equal(queue.earliest, Infinity);
  assert.equal(clock.armed, Infinity);
  clock.now += 1_000;
  assert.equal(queue.fire(), 0);
  assert.equal(record.wokenAt.length, 0);
  assert.equal(record.live, 1, "every clone given to the queue was dropped");
  cx.waker.drop();
});

test("deadlines from microseconds to days (every wheel level and the far list), with cancels: each fires once, never early, and earliest is exact", () => {
  const { queue, clock } = manualQueue(1e11 + 0.3);
  const woken = new Map<number, number>();
  const wokenAt = new Map<number, number>();
  const vtable: RawWakerVTable<number> = {
    clone: () => assert.fail("the queue does not clone"),
    wake: (id) => {
      woken.set(id, (woken.get(id) ?? 0) + 1);
      wokenAt.set(id, clock.now);
    },
    wakeByRef: () => assert.fail("the queue wakes by value"),
    drop: () => {},
  };
  const day = 86_400_000;
  const entries: TimerEntry[] = [];
  const removed = new Set<number>();
  for (let id = 0; id < 3_000; id++) {
    // Log-uniform in [0.01 ms, 3 days): every level of the wheel, and beyond its 18.6 h span.
    const delay = 0.01 * Math.exp(Math.random() * Math.log((3 * day) / 0.01));
    const entry = new TimerEntry(clock.now + delay);
    entries.push(entry);
    queue.insert(entry, { data: id, vtable });
  }
  // A few late inserts after the clock moved on without a fire (the wheel lags behind the clock).
  clock.now += 5_000;
  for (let id = 3_000; id < 3_100; id++) {
    const entry = new TimerEntry(clock.now + Math.random() * 10);
    entries.push(entry);
    queue.insert(entry, { data: id, vtable });
  }
  let fires = 0;
  while (queue.size > 0) {
    // Cancel one pending entry now and then.
    if (Math.random() < 0.05) {
      const id = Math.floor(Math.random() * entries.length);
      if (!woken.has(id) && !removed.has(id)) {
        queue.remove(entries[id]!);
        removed.add(id);
      }
    }
    let expected = Infinity;
    for (let id = 0; id < entries.length; id++) {
      if (!woken.has(id) && !removed.has(id)) expected = Math.min(expected, entries[id]!.dueAt);
    }
    assert.equal(queue.earliest, expected, "earliest is the smallest pending deadline");
    assert.ok(clock.armed <= expected, "armed no later than the earliest deadline");
    clock.now = Math.max(clock.now, clock.armed) + Math.random() * (Math.random() < 0.1 ? 60_000 : 0.2);
    queue.fire();
    if (++fires > 1_000_000) assert.fail("the queue does not drain");
  }
  for (let id = 0; id < entries.length; id++) {
    assert.equal(woken.get(id) ?? 0, removed.has(id) ? 0 : 1, `entry ${id} woken exactly once unless cancelled`);
    if (woken.has(id)) assert.ok(wokenAt.get(id)! >= entries[id]!.dueAt, `entry ${id} woken before its deadline`);
  }
  assert.equal(clock.armed, Infinity, "an empty queue disarms");
});

test("entries due beyond the ring's second are moved into it half a second ahead, not at their first deadline", () => {
  const { queue, clock } = manualQueue(1e11);
  const { cx, record } = recordingContext();
  const start = clock.now;
  const deadlines = Array.from({ length: 10_000 }, () => start + 2_000 + Math.random() * 100);
  for (const deadline of deadlines) queue.insert(new TimerEntry(deadline), replaceRawWaker(null, cx.waker));
  const first = Math.min(...deadlines);
  assert.ok(
    clock.armed <= first - 500,
    `armed at +${clock.armed - start} ms, to move the slot ahead of ${first - start}`,
  );
  // Firing where the driver was armed (once per wheel slot) moves the entries into the ring and
  // wakes none.
  let fires = 0;
  while (clock.armed < first) {
    clock.now = clock.armed;
    assert.equal(queue.fire(), 0);
    if (++fires > 100) assert.fail("the queue keeps firing before the deadlines");
  }
  assert.equal(clock.armed, first, "then armed for the exact earliest deadline");
  assert.equal(queue.earliest, first);
  clock.now = start + 2_100;
  assert.equal(queue.fire(), 10_000);
  assert.equal(record.wokenAt.length, 10_000);
  assert.equal(clock.armed, Infinity);
  cx.waker.drop();
});

test("reschedules across the ring and the wheel (earlier, later, past), with cancels: each fires once at its final deadline or later, and the queue is never armed late", () => {
  const { queue, clock } = manualQueue(1e11 + 0.7);
  const woken = new Map<number, number>();
  const wokenAt = new Map<number, number>();
  const vtable: RawWakerVTable<number> = {
    clone: () => assert.fail("the queue does not clone"),
    wake: (id) => {
      woken.set(id, (woken.get(id) ?? 0) + 1);
      wokenAt.set(id, clock.now);
    },
    wakeByRef: () => assert.fail("the queue wakes by value"),
    drop: () => {},
  };
  // Within the ring's second, across its edge, and well beyond (wheel levels 2 and 3).
  const someDeadline = (): number => clock.now + Math.random() * (Math.random() < 0.5 ? 1_500 : 40_000);
  const entries: TimerEntry[] = [];
  const removed = new Set<number>();
  for (let id = 0; id < 3_000; id++) {
    const entry = new TimerEntry(someDeadline());
    entries.push(entry);
    queue.insert(entry, { data: id, vtable });
  }
  let fires = 0;
  while (queue.size > 0) {
    for (let k = 0; k < 3; k++) {
      const id = Math.floor(Math.random() * entries.length);
      if (woken.has(id) || removed.has(id)) continue;
      const roll = Math.random();
      if (roll < 0.1) {
        queue.remove(entries[id]!);
        removed.add(id);
      } else if (roll < 0.2) {
        queue.reschedule(entries[id]!, clock.now - Math.random()); // already past: due at the next fire
      } else {
        queue.reschedule(entries[id]!, someDeadline());
      }
    }
    let expected = Infinity;
    for (let id = 0; id < entries.length; id++) {
      if (!woken.has(id) && !removed.has(id)) expected = Math.min(expected, entries[id]!.dueAt);
    }
    assert.equal(queue.earliest, expected, "earliest is the smallest pending deadline");
    assert.ok(clock.armed <= expected, "armed no later than the earliest deadline");
    clock.now = Math.max(clock.now, clock.armed) + Math.random() * (Math.random() < 0.05 ? 3_000 : 0.3);
    queue.fire();
    if (++fires > 1_000_000) assert.fail("the queue does not drain");
  }
  for (let id = 0; id < entries.length; id++) {
    assert.equal(woken.get(id) ?? 0, removed.has(id) ? 0 : 1, `entry ${id} woken exactly once unless cancelled`);
    if (woken.has(id)) assert.ok(wokenAt.get(id)! >= entries[id]!.dueAt, `entry ${id} woken before its deadline`);
  }
  assert.equal(clock.armed, Infinity, "an empty queue disarms");
});

test("cancelling most entries of one wheel slot, in any order, leaves the others firing once each, never early", () => {
  const { queue, clock } = manualQueue(1e11);
  const wokenAt = new Map<number, number[]>();
  const vtable: RawWakerVTable<number> = {
    clone: () => assert.fail("the queue does not clone"),
    wake: (id) => void (wokenAt.get(id) ?? wokenAt.set(id, []).get(id)!).push(clock.now),
    wakeByRef: () => assert.fail("the queue wakes by value"),
    drop: () => {},
  };
  // Ten minutes out, within a few ms of each other: one slot of a high wheel level.
  const entries = Array.from({ length: 2_000 }, (_, id) => {
    const entry = new TimerEntry(clock.now + 600_000 + id * 0.001);
    queue.insert(entry, { data: id, vtable });
    return entry;
  });
  const cancelled = entries.map((_, id) => id % 10 !== 0);
  // Cancelled in a shuffled order: unlinking from the middle, the head and the tail of the slot.
  const order = entries.map((_, id) => id).filter((id) => cancelled[id]).sort(() => Math.random() - 0.5);
  for (const id of order) queue.remove(entries[id]!);
  assert.equal(queue.size, 200);
  assert.equal(queue.earliest, entries[0]!.dueAt);
  // Survivors cancelled and queued again keep working too.
  queue.remove(entries[10]!);
  queue.insert(entries[10]!, { data: 10, vtable });
  let fires = 0;
  while (queue.size > 0) {
    clock.now = Math.max(clock.now, clock.armed) + Math.random() * 0.2;
    queue.fire();
    if (++fires > 1_000_000) assert.fail("the queue does not drain");
  }
  for (let id = 0; id < entries.length; id++) {
    const at = wokenAt.get(id) ?? [];
    assert.equal(at.length, cancelled[id] ? 0 : 1, `entry ${id} woken once unless cancelled`);
    if (at.length === 1) assert.ok(at[0]! >= entries[id]!.dueAt, `entry ${id} woken before its deadline`);
  }
});

test("a wheel slot compacted by an insert after many cancels still cancels and fires the right entries", () => {
  const { queue, clock } = manualQueue(1e11);
  const woken = new Map<number, number>();
  const vtable: RawWakerVTable<number> = {
    clone: () => assert.fail("the queue does not clone"),
    wake: (id) => void woken.set(id, (woken.get(id) ?? 0) + 1),
    wakeByRef: () => assert.fail("the queue wakes by value"),
    drop: () => {},
  };
  // Twenty minutes out, within a few ms of each other: one slot of the wheel's top level.
  const entries: TimerEntry[] = [];
  const add = (): void => {
    const id = entries.length;
    const entry = new TimerEntry(clock.now + 1_200_000 + id * 0.001);
    entries.push(entry);
    queue.insert(entry, { data: id, vtable });
  };
  for (let i = 0; i < 1_000; i++) add();
  const cancelled = new Set<number>();
  const cancel = (id: number): void => {
    queue.remove(entries[id]!);
    cancelled.add(id);
  };
  // Nine in ten cancelled, then inserts: the slot holds far more holes than entries and is compacted.
  for (const id of entries.map((_, id) => id).sort(() => Math.random() - 0.5)) if (id % 10 !== 0) cancel(id);
  for (let i = 0; i < 50; i++) add();
  // Cancels after the compaction must find each entry where it now is.
  for (let id = 0; id < entries.length; id += 20) cancel(id);
  assert.equal(queue.size, entries.length - cancelled.size);
  assert.equal(queue.earliest, entries[10]!.dueAt);
  let fires = 0;
  while (queue.size > 0) {
    clock.now = Math.max(clock.now, clock.armed);
    queue.fire();
    if (++fires > 100_000) assert.fail("the queue does not drain");
  }
  for (let id = 0; id < entries.length; id++) {
    assert.equal(woken.get(id) ?? 0, cancelled.has(id) ? 0 : 1, `entry ${id} woken once unless cancelled`);
  }
});
