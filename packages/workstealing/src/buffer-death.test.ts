// SharedBuffers held by a job whose worker dies go back to the shared heap (issue 23, item 5's
// ownership rule). A buffer belongs to the thread that allocated it (`jobs.alloc`) or received
// it (a `move` argument, a child's returned buffer); passing one by reference lends it; returning
// one hands it to the result's taker. When a worker's thread ends, the runtime releases what that
// thread still owned: before, those buffers were lost to the heap for good (README's Limits).
import assert from "node:assert/strict";
import { test } from "node:test";
import { runtime as runtimeName, until, withRuntime } from "@spindle/test-support";
import { freeBlockBytes, SharedHeap } from "../../codec/src/shared-heap.ts";
import { JobTimeoutError, move, Runtime, type SharedBuffer, WorkerLostError } from "./mod.ts";
import type { Death } from "./test-support/buffer-death-jobs.ts";
import type jobs from "./test-support/buffer-death-jobs.ts";
import { reasonOf, settleWithin } from "./test-support/runtime.ts";

const JOBS = new URL("./test-support/buffer-death-jobs.ts", import.meta.url);
/** Each buffer takes one block of this class (1 MiB), which nothing else of the runtime uses. */
const SIZE = 1 << 20;
// Hang bounds, not measures: a death needs the worker's exit event (and, for "spin", its deadline
// and abortGraceMs); the job after it waits for the replacement's start, which under `deno test`
// (it type-checks the worker's modules) took 2–3 s, more under load.
const SETTLE_MS = 60_000;
/** The buffers are released in the exit event that settles the job: this only bounds a hang. */
const RECLAIM_MS = 5_000;
/** The "spin" jobs' deadline, from their spawn: ample for a running worker to start them. */
const DEADLINE_MS = 1_000;

// The deaths each runtime has. "spin" ends the worker by terminate() (a deadline, then
// abortGraceMs): Deno 2.9.6's terminate() does not stop a thread in a busy loop (README's support
// notes), so the runtime keeps such a thread's buffers there (they could still be written) and
// Deno runs no "spin" case. "oom" needs resourceLimits, which Bun 1.4.5 does not apply (refused
// with UnsupportedOptionError there).
const DEATHS: readonly Death[] = [
  "exit",
  "throw",
  ...(runtimeName === "deno" ? [] : ["spin" as const]),
  ...(runtimeName === "bun" ? [] : ["oom" as const]),
];

/** How many dying jobs started. */
const started = new Int32Array(new SharedArrayBuffer(4));

async function start(death: Death): Promise<Runtime<typeof jobs>> {
  return await Runtime.start<typeof jobs>(JOBS, {
    workerData: { started },
    workers: 1, // every job runs on the one worker, in spawn order
    maxExtraMachines: 0,
    abortGraceMs: 200,
    ...(death === "oom" ? { resourceLimits: { maxOldGenerationSizeMb: 64 } } : {}),
  });
}

/** The heap's free bytes in SIZE's class, with a supply of free blocks made first. */
function freeBytesOf(runtime: Runtime<typeof jobs>): { heap: SharedHeap; free: () => number } {
  const probe = runtime.alloc(0);
  const heap = new SharedHeap(probe.locate().heap);
  probe.release();
  // Eight free blocks of the class: the jobs take theirs from these, and must give them back.
  for (const buffer of Array.from({ length: 8 }, () => runtime.alloc(SIZE))) buffer.release();
  return { heap, free: () => freeBlockBytes(heap, SIZE) };
}

async function expectDeath(handle: PromiseLike<unknown>, death: Death, what: string): Promise<void> {
  const error = reasonOf(await settleWithin(handle, what, SETTLE_MS), what);
  assert.ok(
    death === "spin" ? error instanceof JobTimeoutError : error instanceof WorkerLostError,
    `${what}: ${String(error)}`,
  );
}

for (const death of DEATHS) {
  test(`${death}: buffers a dead job owned (allocated in it, moved in, returned to it by a child) go back to the heap; a lent one stays its owner's`, async () => {
    await withRuntime(start(death), async (runtime) => {
      const { free } = freeBytesOf(runtime);
      const lent = runtime.alloc(SIZE); // the runtime's thread owns it
      const before = free();
      const spawnDying = (name: "allocThenDie" | "joinChildResultThenDie", bytes: number) =>
        death === "spin"
          ? runtime.spawnWith({ timeout: DEADLINE_MS }, name, bytes, death)
          : runtime.spawn(name, bytes, death);
      const spawnHolding = (name: "receiveThenDie" | "borrowThenDie", buffer: SharedBuffer) =>
        death === "spin"
          ? runtime.spawnWith({ timeout: DEADLINE_MS }, name, buffer, death)
          : runtime.spawn(name, buffer, death);
      const cases: [string, () => PromiseLike<unknown>][] = [
        ["allocated in the job (jobs.alloc)", () => spawnDying("allocThenDie", SIZE)],
        ["moved in as an argument", () => spawnHolding("receiveThenDie", move(new Uint8Array(SIZE)))],
        ["returned by a child and taken by the job", () => spawnDying("joinChildResultThenDie", SIZE)],
        ["lent by the runtime's thread", () => spawnHolding("borrowThenDie", lent)],
      ];
      for (const [what, spawn] of cases) {
        // The replacement of the last case's worker must be running: a job that meets its
        // deadline while queued never runs, and would hold nothing.
        await until(() => runtime.machines === 1, `${what}: a running worker`, SETTLE_MS);
        const startedBefore = Atomics.load(started, 0);
        await expectDeath(spawn(), death, what);
        assert.equal(Atomics.load(started, 0), startedBefore + 1, `${what}: the job ran`);
        await until(
          () => free() === before,
          `${what}: the heap's free bytes back to ${before} (now ${free()})`,
          RECLAIM_MS,
        );
      }
      // The lent buffer was not released with the job: its owner still reads what the job wrote.
      assert.equal(lent.released, false);
      assert.equal(lent.bytes()[SIZE - 1], 3);
      lent.release();
      assert.equal(free(), before + SIZE);
    });
  });
}

test("a buffer returned by a job and not taken yet survives its worker's death; one whose result is never taken goes back", async () => {
  const death: Death = "exit";
  await withRuntime(start(death), async (runtime) => {
    const { free } = freeBytesOf(runtime);
    const before = free();
    // One worker: each job ends before the next starts, so the dying job runs after the returns.
    const allocated = runtime.spawn("allocFilled", SIZE, 5);
    const moved = runtime.spawn("movedFilled", SIZE, 6);
    const dropped = runtime.spawn("allocFilled", SIZE, 7);
    await expectDeath(runtime.spawn("die", death), death, "the dying job");
    for (const [handle, value] of [[allocated, 5], [moved, 6]] as const) {
      const buffer: SharedBuffer = await settleWithin(handle, `the returned buffer ${value}`, SETTLE_MS).then(
        (outcome) => {
          assert.equal(outcome.status, "fulfilled", `the returned buffer ${value}`);
          return (outcome as PromiseFulfilledResult<SharedBuffer>).value;
        },
      );
      const bytes = buffer.bytes();
      assert.equal(bytes.length, SIZE);
      assert.ok(bytes.every((byte) => byte === value), `the returned buffer ${value} is intact`);
      buffer.release();
    }
    // A result nobody takes (its job ended before the dying one started): dropped with its
    // record, and the buffer it carried with it.
    dropped.detach();
    await until(() => free() === before, `the heap's free bytes back to ${before} (now ${free()})`, RECLAIM_MS);
  });
});
