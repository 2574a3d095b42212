// The global injector on its own (tokio tests its inject queue directly): FIFO order for single
// pushes and chains, batches of at most `max`, a length that matches what it holds, reuse after it
// empties, and, with two threads pushing and popping at once, every job popped exactly once and
// each pusher's jobs in the order it pushed them.
import assert from "node:assert/strict";
import { test } from "node:test";
import { random, request, workerPool } from "@spindle/test-support";
import { Injector, INJECTOR_WORDS } from "./injector.ts";
import { CANCEL_PENDING, NEXT, PLACE, QUEUED, RUNNING, STATE } from "./job-record.ts";
import { countsLayout, idOf, type InjectorRun } from "./test-support/injector-worker.ts";

/** Words between two ids in the test heaps: a job record's words, STATE, NEXT and PLACE among them. */
const STRIDE = Math.max(STATE, NEXT, PLACE) + 1;
/** Where the injector's words start in the control block: not 0, so offsets are exercised. */
const AT = 3;
const GUARD = 0x5a5a5a5a;

/**
 * An injector in a control block with guard words around it, over a heap of `records` records,
 * each QUEUED (as a spawn leaves it).
 */
function injector(records: number): { queue: Injector; control: Int32Array; heap: Int32Array } {
  const control = new Int32Array(new SharedArrayBuffer((AT + INJECTOR_WORDS + 3) * 4)).fill(GUARD);
  control.fill(0, AT, AT + INJECTOR_WORDS);
  const heap = new Int32Array(new SharedArrayBuffer((records + 1) * STRIDE * 4));
  for (let i = 0; i < records; i++) heap[id(i) + STATE] = QUEUED;
  return { queue: new Injector(control, AT, { words: heap }), control, heap };
}

/** The id of the `i`-th record (never 0). */
function id(i: number): number {
  return (i + 1) * STRIDE;
}

/** Links `ids` through NEXT, as a caller of pushChain does. */
function link(heap: Int32Array, ids: number[]): void {
  for (let k = 0; k + 1 < ids.length; k++) Atomics.store(heap, ids[k]! + NEXT, ids[k + 1]!);
}

function drain(queue: Injector, max: number): number[] {
  const out: number[] = [];
  while (queue.popBatch(out, max) > 0);
  return out;
}

test("jobs pushed one at a time come out oldest first, whatever the batch size", () => {
  for (const max of [1, 3, 64, 1000]) {
    const { queue } = injector(100);
    const ids = Array.from({ length: 100 }, (_, i) => id(i));
    for (const job of ids) queue.push(job);
    assert.deepEqual(drain(queue, max), ids, `batches of ${max}`);
  }
});

test("a chain keeps its order and its place between single pushes", () => {
  const { queue, heap } = injector(10);
  const chain = [id(1), id(2), id(3), id(4)];
  link(heap, chain);
  queue.push(id(0));
  queue.pushChain(chain[0]!, chain.at(-1)!, chain.length);
  queue.push(id(5));
  assert.equal(queue.length, 6);
  assert.deepEqual(drain(queue, 2), [id(0), ...chain, id(5)]);
});

test("a batch takes at most max jobs, and the length counts exactly what is left", () => {
  const { queue } = injector(20);
  for (let i = 0; i < 20; i++) queue.push(id(i));
  const into: number[] = [];
  assert.equal(queue.popBatch(into, 7), 7);
  assert.equal(into.length, 7);
  assert.equal(queue.length, 13);
  assert.equal(queue.popBatch(into, 0), 0, "a batch of 0 takes nothing");
  assert.equal(queue.length, 13);
  assert.equal(queue.popBatch(into, 100), 13);
  assert.equal(queue.length, 0);
  assert.deepEqual(into, Array.from({ length: 20 }, (_, i) => id(i)));
});

test("an empty injector pops nothing, and takes pushes again once emptied", () => {
  const { queue } = injector(6);
  const into: number[] = [];
  assert.equal(queue.popBatch(into, 8), 0);
  queue.push(id(0));
  queue.push(id(1));
  assert.deepEqual(drain(queue, 8), [id(0), id(1)]);
  assert.equal(queue.popBatch(into, 8), 0, "emptied: nothing left behind");
  // Emptied, its tail must be reset too: a push after it must not link from the old tail.
  queue.push(id(2));
  queue.push(id(3));
  assert.deepEqual(drain(queue, 1), [id(2), id(3)]);
  assert.deepEqual(into, []);
});

test("the injector writes only its own words of the control block", () => {
  const { queue, control, heap } = injector(50);
  const rng = random(7);
  let pushed = 0;
  const into: number[] = [];
  for (let step = 0; step < 500; step++) {
    if (rng() < 0.6 && pushed < 50) queue.push(id(pushed++));
    else queue.popBatch(into, 1 + Math.floor(rng() * 5));
  }
  into.push(...drain(queue, 50));
  assert.deepEqual(into, Array.from({ length: pushed }, (_, i) => id(i)), "FIFO over a random mix");
  const outside = [...control.subarray(0, AT), ...control.subarray(AT + INJECTOR_WORDS)];
  assert.ok(outside.every((word) => word === GUARD), `guard words changed: ${outside}`);
  assert.equal(heap[0], 0, "no write below the first record");
});

// Two workers, each pushing its own jobs (singly and in chains) while popping batches; the
// main thread takes what is left. Started once for the file and one at a time (each start
// type-checks the module again under deno test).
const THREADS = 2;
const workers = workerPool(new URL("./test-support/injector-worker.ts", import.meta.url), THREADS);

test("two threads pushing and popping at once: every job is popped exactly once, each pusher's in order", async () => {
  const n = 20_000;
  const pool = await workers();
  for (const seed of [1, 2, 3]) {
    const control = new SharedArrayBuffer((AT + INJECTOR_WORDS + 1) * 4);
    const heap = new SharedArrayBuffer((THREADS * n + 1) * STRIDE * 4);
    const base = { n, first: STRIDE, stride: STRIDE, at: AT, control, heap, barrier: AT + INJECTOR_WORDS };
    const runs = pool.map((worker, pusher) => {
      const run: InjectorRun = { ...base, pusher, threads: THREADS, seed: seed * 10 + pusher };
      return request<number[]>(worker, run);
    });
    const popped = [...await Promise.all(runs)];
    const queue = new Injector(new Int32Array(control), AT, { words: new Int32Array(heap) });
    popped.push(drain(queue, 128));
    assert.equal(queue.length, 0);
    // Exactly once: each id of each pusher is seen once, and nothing else is.
    const seen = new Int32Array(THREADS * n);
    for (const list of popped) {
      for (const job of list) {
        const index = (job - STRIDE) / STRIDE;
        assert.ok(Number.isInteger(index) && index >= 0 && index < THREADS * n, `a job that was never pushed: ${job}`);
        seen[index]!++;
      }
    }
    const wrong = seen.findIndex((count) => count !== 1);
    assert.equal(wrong, -1, `seed ${seed}: job ${wrong} popped ${seen[wrong]} times`);
    // FIFO: within what one thread popped, each pusher's jobs are in the order they were pushed.
    for (const list of popped) {
      const last = new Array<number>(THREADS).fill(-1);
      for (const job of list) {
        const index = (job - STRIDE) / STRIDE;
        const pusher = Math.floor(index / n);
        const i = index % n;
        assert.ok(i > last[pusher]!, `seed ${seed}: pusher ${pusher}'s job ${i} came after its job ${last[pusher]}`);
        last[pusher] = i;
      }
    }
    assert.equal(idOf(base, THREADS - 1, n - 1), THREADS * n * STRIDE, "the layout the checks above assume");
  }
});

test("stress: cancels racing pushes, pops and claims on two threads: each job claimed once or cancelled once, and every place given back once", async () => {
  const n = 20_000;
  const pool = await workers();
  const jobs = THREADS * n;
  const layout = countsLayout(jobs, THREADS);
  for (const seed of [4, 5, 6]) {
    const control = new SharedArrayBuffer((AT + INJECTOR_WORDS + 1) * 4);
    const heap = new SharedArrayBuffer((jobs + 1) * STRIDE * 4);
    const counts = new SharedArrayBuffer(layout.words * 4);
    const base = { n, first: STRIDE, stride: STRIDE, at: AT, control, heap, barrier: AT + INJECTOR_WORDS, counts };
    const runs = pool.map((worker, pusher) => {
      const run: InjectorRun = { ...base, pusher, threads: THREADS, seed: seed * 10 + pusher };
      return request<number[]>(worker, run);
    });
    const popped = (await Promise.all(runs)).flat();
    const words = new Int32Array(heap);
    const queue = new Injector(new Int32Array(control), AT, { words });
    // What is still listed: a record holds a place exactly when it is not cancelled, and the
    // counts are those of the list.
    let listed = 0;
    let places = 0;
    for (let job = new Int32Array(control)[AT + HEAD_WORD]!; job !== 0; job = words[job + NEXT]!) {
      const live = Atomics.load(words, job + STATE) === QUEUED ? 1 : 0;
      assert.equal(words[job + PLACE], live, `seed ${seed}: listed job ${(job - STRIDE) / STRIDE}'s place`);
      listed++;
      places += live;
    }
    assert.equal(queue.length, places, `seed ${seed}: the length counts the listed jobs not cancelled`);
    assert.equal(queue.dead, listed - places, `seed ${seed}: the dead count, the listed jobs cancelled`);
    const rest = drain(queue, 128);
    popped.push(...rest);
    const tally = new Int32Array(counts);
    for (const job of rest) {
      if (Atomics.compareExchange(words, job + STATE, QUEUED, RUNNING) === QUEUED) {
        tally[layout.claims + (job - STRIDE) / STRIDE]!++;
      }
    }
    assert.equal(tally[layout.negative], 0, `seed ${seed}: a thread read a negative length or dead count`);
    assert.equal(tally[layout.cancelledHolding], 0, `seed ${seed}: jobs cancelled before their push held places`);
    assert.equal(queue.length, 0, `seed ${seed}: every place given back exactly once`);
    assert.equal(queue.dead, 0, `seed ${seed}: every cancelled record passed`);
    assert.equal(popped.length, jobs, `seed ${seed}: every job popped once`);
    let cancelled = 0;
    for (let index = 0; index < jobs; index++) {
      const job = STRIDE * (index + 1);
      const claims = tally[layout.claims + index]!;
      const cancels = tally[layout.cancels + index]!;
      assert.equal(
        claims + cancels,
        1,
        `seed ${seed}: job ${index} claimed ${claims} times, cancelled ${cancels} times`,
      );
      assert.equal(
        Atomics.load(words, job + STATE),
        claims === 1 ? RUNNING : CANCEL_PENDING,
        `seed ${seed}: job ${index}'s state`,
      );
      assert.equal(words[job + PLACE], 0, `seed ${seed}: job ${index} out of the list holds no place`);
      cancelled += cancels;
    }
    assert.ok(
      cancelled > 100 && cancelled < jobs / 2,
      `seed ${seed}: ${cancelled} of ${jobs} cancelled: both outcomes occurred`,
    );
  }
});

// A holder that died inside a critical section (terminated, out of memory), simulated by writing
// the words it would have left: the lock naming it, its pending record, the list half changed.
// The layout (offsets from the injector's first word) is injector.ts's.
const LOCK_WORD = 0;
const HEAD_WORD = 1;
const TAIL_WORD = 2;
const LENGTH_WORD = 3;
const PENDING_FIRST_WORD = 4;
const PENDING_POP_WORD = 5;
const DEAD = 9;

test("a push cut short by its holder's death is completed by the recovery, linked or not yet", () => {
  for (const linked of [true, false]) {
    const { queue, control, heap } = injector(10);
    queue.push(id(0));
    queue.push(id(1));
    // The dead holder's chain id(2) → id(3), its last NEXT cleared before the lock.
    link(heap, [id(2), id(3)]);
    Atomics.store(heap, id(3) + NEXT, 0);
    control[AT + LOCK_WORD] = DEAD;
    control[AT + PENDING_FIRST_WORD] = id(2);
    if (linked) Atomics.store(heap, id(1) + NEXT, id(2)); // TAIL and LENGTH not moved yet
    assert.equal(new Injector(control, AT, { words: heap }, 1).recover(DEAD), true);
    assert.equal(control[AT + LOCK_WORD], 0, "the lock is free again");
    assert.equal(queue.length, 4, `linked: ${linked}`);
    queue.push(id(4)); // links from the repaired tail
    assert.deepEqual(drain(queue, 3), [id(0), id(1), id(2), id(3), id(4)], `linked: ${linked}`);
  }
});

test("a pop cut short by its holder's death is undone by the recovery: no job is lost", () => {
  const { queue, control, heap } = injector(10);
  for (let i = 0; i < 5; i++) queue.push(id(i));
  // The dead popper moved HEAD past two jobs (and, having emptied nothing, left TAIL), not LENGTH.
  control[AT + LOCK_WORD] = DEAD;
  control[AT + PENDING_POP_WORD] = id(0);
  control[AT + HEAD_WORD] = id(2);
  assert.equal(new Injector(control, AT, { words: heap }, 1).recover(DEAD), true);
  assert.equal(queue.length, 5);
  assert.equal(control[AT + TAIL_WORD], id(4));
  assert.deepEqual(drain(queue, 2), [0, 1, 2, 3, 4].map(id));
  assert.equal(control[AT + LENGTH_WORD], 0);
});

test("recovering from an owner that does not hold the lock changes nothing", () => {
  const { queue, control, heap } = injector(4);
  queue.push(id(0));
  assert.equal(new Injector(control, AT, { words: heap }, 1).recover(DEAD), false);
  assert.deepEqual(drain(queue, 4), [id(0)]);
});

test("a job cancelled while listed gives its place back at once, and its record comes out with the next batch", () => {
  const { queue, heap } = injector(6);
  for (let i = 0; i < 4; i++) queue.push(id(i));
  assert.equal(heap[id(2) + PLACE], 1, "a listed job holds a place");
  assert.equal(Atomics.load(heap, id(2) + STATE), QUEUED, "a listed job is QUEUED, as in a deque");
  assert.equal(queue.takeOut(id(2)), true);
  assert.equal(Atomics.load(heap, id(2) + STATE), CANCEL_PENDING);
  assert.equal(heap[id(2) + PLACE], 0);
  assert.equal(queue.length, 3, "its place is free at once");
  assert.equal(queue.dead, 1, "its record is still listed");
  assert.equal(queue.takeOut(id(2)), false, "a second cancel finds it cancelled, and gives nothing back");
  assert.equal(queue.length, 3);
  const into: number[] = [];
  assert.equal(queue.popBatch(into, 2), 2);
  assert.equal(heap[id(0) + PLACE], 0, "a popped job holds no place");
  assert.equal(Atomics.load(heap, id(0) + STATE), QUEUED, "a popped job is QUEUED, for its claim");
  assert.equal(queue.takeOut(id(0)), true, "a popped job not claimed yet can still be cancelled");
  assert.equal(Atomics.load(heap, id(0) + STATE), CANCEL_PENDING);
  assert.equal(queue.length, 1, "a popped job gives no place back: the pop did");
  assert.equal(queue.dead, 1);
  Atomics.store(heap, id(1) + STATE, 2); // claimed by its popper (RUNNING)
  assert.equal(queue.takeOut(id(1)), false, "a claimed job is not cancelled");
  assert.equal(Atomics.load(heap, id(1) + STATE), 2);
  assert.equal(queue.length, 1);
  assert.equal(queue.popBatch(into, 8), 2, "the cancelled record is passed with the rest");
  assert.deepEqual(into, [0, 1, 2, 3].map(id));
  assert.equal(queue.length, 0);
  assert.equal(queue.dead, 0);
  assert.equal(queue.popBatch(into, 8), 0);
  assert.ok([0, 1, 2, 3].every((i) => heap[id(i) + PLACE] === 0), "no record out of the list holds a place");
});

test("a queued job in no injector is cancelled under the lock and gives no place back", () => {
  const { queue, heap } = injector(3);
  queue.push(id(0));
  assert.equal(queue.takeOut(id(1)), true, "a job waiting in a deque (never listed)");
  assert.equal(Atomics.load(heap, id(1) + STATE), CANCEL_PENDING);
  assert.equal(queue.length, 1);
  assert.equal(queue.dead, 0);
  queue.push(id(1)); // then moved here: it takes no place
  assert.equal(queue.length, 1);
  assert.equal(queue.dead, 1);
  assert.deepEqual(drain(queue, 8), [id(0), id(1)]);
  assert.equal(queue.dead, 0);
});

test("the records of cancelled jobs alone are passed too: no place taken, still popped", () => {
  const { queue } = injector(3);
  queue.push(id(0));
  queue.push(id(1));
  queue.takeOut(id(0));
  queue.takeOut(id(1));
  assert.equal(queue.length, 0);
  const into: number[] = [];
  assert.equal(queue.popBatch(into, 8), 2);
  assert.deepEqual(into, [id(0), id(1)]);
  assert.equal(queue.dead, 0);
});

test("a job pushed when already cancelled takes no place", () => {
  const { queue, heap } = injector(4);
  Atomics.store(heap, id(1) + STATE, CANCEL_PENDING); // cancelled in a deque, then moved here
  link(heap, [id(0), id(1), id(2)]);
  queue.pushChain(id(0), id(2), 3);
  queue.push(id(3));
  assert.equal(queue.length, 3);
  assert.equal(queue.dead, 1);
  assert.equal(Atomics.load(heap, id(1) + STATE), CANCEL_PENDING, "its state is left alone");
  assert.equal(heap[id(1) + PLACE], 0);
  assert.deepEqual(drain(queue, 8), [0, 1, 2, 3].map(id));
  assert.equal(queue.dead, 0);
});

test("a spawner watching for room is told when a cancel gives a place back, and when a pop does", async () => {
  const { queue } = injector(3);
  queue.push(id(0));
  queue.push(id(1));
  for (const free of [() => queue.takeOut(id(0)), () => queue.popBatch([], 8)]) {
    const seen = queue.watchRoom();
    free();
    assert.equal(queue.waitForRoom(seen, 10_000), null, "the counter moved before the wait");
  }
  const seen = queue.watchRoom();
  const wait = queue.waitForRoom(seen, 10_000);
  assert.notEqual(wait, null);
  queue.push(id(2));
  queue.takeOut(id(2));
  assert.equal(await wait, "ok");
  queue.stopWatchingRoom();
});

test("the recovery counts places from the states: a dead popper's jobs are listed again, a cancelled one stays dead", () => {
  const { queue, control, heap } = injector(10);
  for (let i = 0; i < 5; i++) queue.push(id(i));
  queue.takeOut(id(3));
  // The dead popper had cleared the places of id(0) and id(1) and moved HEAD past them; id(2)
  // had been cancelled by a canceller that died in takeOut, after its compare-exchange but
  // before it gave the place back.
  control[AT + LOCK_WORD] = DEAD;
  control[AT + PENDING_POP_WORD] = id(0);
  control[AT + HEAD_WORD] = id(2);
  heap[id(0) + PLACE] = 0;
  heap[id(1) + PLACE] = 0;
  Atomics.store(heap, id(2) + STATE, CANCEL_PENDING);
  assert.equal(new Injector(control, AT, { words: heap }, 1).recover(DEAD), true);
  assert.equal(queue.length, 3, "id(0), id(1), id(4) hold places");
  assert.equal(queue.dead, 2, "id(2) and id(3) are listed, dead");
  assert.deepEqual([0, 1, 2, 3, 4].map((i) => heap[id(i) + PLACE]), [1, 1, 0, 0, 1]);
  assert.equal(queue.takeOut(id(1)), true, "a listed job recovered gives its place back");
  assert.equal(queue.length, 2);
  assert.deepEqual(drain(queue, 2), [0, 1, 2, 3, 4].map(id));
  assert.equal(queue.length, 0);
  assert.equal(queue.dead, 0);
});
