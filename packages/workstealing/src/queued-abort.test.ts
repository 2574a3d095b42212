// A job aborted while it is queued gives its place back at once, as piscina removes an aborted
// task from its queue: it stops counting in `queueSize` and against `queue: { limit }`
// (`needsDrain`, a "reject" queue's next spawn, a "wait" queue's waiting spawns), whatever aborted
// it (`abort()`, its signal, its deadline, a map's signal, a job aborting its child), and
// exactly once: a worker that takes its record meanwhile neither runs it nor frees the place again.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CancelledError } from "@spindle/core";
import { random, until, withRuntime } from "@spindle/test-support";
import { type JobHandle, JobTimeoutError, QueueFullError } from "./mod.ts";
import { startTestRuntime } from "./test-support/runtime.ts";

/** Opens gate `index` (the `gate` job holds its worker until its counter is 2). */
function open(counters: Int32Array, index: number): void {
  Atomics.store(counters, index, 2);
  Atomics.notify(counters, index);
}

test('a queued job aborted in a full "reject" queue gives its place back at once: the next spawn is accepted', async () => {
  await withRuntime(
    startTestRuntime({ workers: 1, maxExtraMachines: 0, queue: { limit: 2, whenFull: "reject" } }),
    async ({ runtime, counters }) => {
      const gate = runtime.spawn("gate", 0);
      await until(() => Atomics.load(counters, 0) === 1, "the only worker to be held");
      const first = runtime.spawn("count", 3);
      const second = runtime.spawn("count", 4);
      assert.equal(runtime.queueSize, 2);
      assert.equal(runtime.needsDrain, true);
      assert.throws(() => runtime.spawn("count", 5), QueueFullError);
      first.abort();
      assert.equal(runtime.queueSize, 1, "queueSize drops at the abort");
      assert.equal(runtime.needsDrain, false);
      assert.equal(runtime.metrics().injectorDepth, 1);
      const third = runtime.spawn("count", 5);
      assert.equal(runtime.queueSize, 2);
      assert.equal(runtime.needsDrain, true);
      await assert.rejects(Promise.resolve(first), CancelledError);
      open(counters, 0);
      await gate;
      assert.deepEqual(await Promise.all([second, third]), [1, 1]);
      assert.equal(Atomics.load(counters, 3), 0, "the aborted job never ran");
      assert.equal(runtime.queueSize, 0);
    },
  );
});

for (const how of ["signal", "deadline"] as const) {
  test(`a queued job aborted by its ${how} gives its place in a full "reject" queue back`, async () => {
    await withRuntime(
      startTestRuntime({ workers: 1, maxExtraMachines: 0, queue: { limit: 1, whenFull: "reject" } }),
      async ({ runtime, counters }) => {
        const gate = runtime.spawn("gate", 0);
        await until(() => Atomics.load(counters, 0) === 1, "the only worker to be held");
        const controller = new AbortController();
        const queued = how === "signal"
          ? runtime.spawnWith({ signal: controller.signal }, "count", 3)
          : runtime.spawnWith({ timeout: 20 }, "count", 3);
        assert.throws(() => runtime.spawn("count", 4), QueueFullError);
        if (how === "signal") {
          controller.abort(new Error("not needed"));
          assert.equal(runtime.queueSize, 0, "queueSize drops at the signal");
          await assert.rejects(Promise.resolve(queued), { name: "AbortError" });
        } else {
          await assert.rejects(Promise.resolve(queued), JobTimeoutError);
          assert.equal(runtime.queueSize, 0, "queueSize dropped at the deadline");
        }
        assert.equal(runtime.needsDrain, false);
        const next = runtime.spawn("count", 4);
        open(counters, 0);
        await gate;
        assert.equal(await next, 1);
        assert.equal(Atomics.load(counters, 3), 0, "the aborted job never ran");
      },
    );
  });
}

test('a "wait" queue: an aborted queued job lets a waiting spawn in at once, and an aborted waiting one leaves the queue', async () => {
  await withRuntime(
    startTestRuntime({ workers: 1, maxExtraMachines: 0, queue: { limit: 2, whenFull: "wait" } }),
    async ({ runtime, counters }) => {
      const gate = runtime.spawn("gate", 0);
      await until(() => Atomics.load(counters, 0) === 1, "the only worker to be held");
      const [a, b, c, d] = [3, 4, 5, 6].map((index) => runtime.spawn("count", index)) as JobHandle<number>[];
      assert.equal(runtime.queueSize, 4, "two in the injector, two waiting for room");
      assert.equal(runtime.metrics().injectorDepth, 2);
      a!.abort();
      assert.equal(runtime.queueSize, 3, "queueSize drops at the abort");
      await until(() => runtime.metrics().injectorDepth === 2, "the first waiting job to enter the freed place");
      assert.equal(runtime.queueSize, 3, "c entered, d waits");
      d!.abort();
      assert.equal(runtime.queueSize, 2, "a job aborted while waiting for room leaves at once");
      assert.equal(runtime.needsDrain, true, "the injector is full again");
      c!.abort(); // c is in the injector now
      assert.equal(runtime.queueSize, 1);
      assert.equal(runtime.needsDrain, false);
      for (const handle of [a, c, d]) await assert.rejects(Promise.resolve(handle!), CancelledError);
      open(counters, 0);
      await gate;
      assert.equal(await b!, 1);
      assert.deepEqual([3, 4, 5, 6].map((index) => Atomics.load(counters, index)), [0, 1, 0, 0]);
      assert.equal(runtime.queueSize, 0);
      await until(() => runtime.liveJobs === 0, "every job to be counted settled");
    },
  );
});

test("a map aborted by its signal while its chunks are queued, some waiting for room, frees every place at once", async () => {
  await withRuntime(
    startTestRuntime({ workers: 1, maxExtraMachines: 0, queue: { limit: 2, whenFull: "wait" } }),
    async ({ runtime, counters }) => {
      const gate = runtime.spawn("gate", 0);
      await until(() => Atomics.load(counters, 0) === 1, "the only worker to be held");
      const controller = new AbortController();
      const items = [3, 4, 5, 6, 7, 8];
      const mapped = runtime.map("count", items, { chunkSize: 1, signal: controller.signal });
      assert.equal(runtime.queueSize, 6);
      controller.abort();
      assert.equal(runtime.queueSize, 0, "every chunk's place is free at the signal");
      assert.equal(runtime.needsDrain, false);
      await assert.rejects(mapped, { name: "AbortError" });
      open(counters, 0);
      await gate;
      assert.equal(await runtime.spawn("count", 9), 1, "the worker went past the cancelled chunks");
      assert.deepEqual(items.map((index) => Atomics.load(counters, index)), [0, 0, 0, 0, 0, 0]);
    },
  );
});

test("children a job aborts while they wait in the injector (its deque overflowed) give their places back at once", async () => {
  const n = 600; // more than a deque holds (256): the oldest move to the injector
  const base = 8;
  await withRuntime(
    startTestRuntime({ workers: 1, maxExtraMachines: 0, queue: { limit: 4, whenFull: "reject" } }, base + n),
    async ({ runtime, counters }) => {
      const parent = runtime.spawn("abortChildren", 0, base, n);
      await until(() => Atomics.load(counters, 0) === 1, "the children to be spawned");
      const overflowed = runtime.queueSize;
      assert.ok(overflowed > 0, "some children wait in the injector");
      assert.equal(runtime.needsDrain, true);
      open(counters, 0);
      await until(() => Atomics.load(counters, 1) === 1, "the children to be aborted");
      assert.equal(runtime.queueSize, 0, `the ${overflowed} children in the injector gave their places back`);
      assert.equal(runtime.needsDrain, false);
      const accepted = [2, 3, 4, 5].map((index) => runtime.spawn("count", index));
      assert.throws(() => runtime.spawn("count", 6), QueueFullError);
      open(counters, 1);
      assert.equal(await parent, n, "every child failed with CancelledError");
      assert.deepEqual(await Promise.all(accepted), [1, 1, 1, 1]);
      const ran = Array.from({ length: n }, (_, i) => Atomics.load(counters, base + i)).filter((c) => c !== 0);
      assert.equal(ran.length, 0, "no aborted child ran");
    },
  );
});

for (const whenFull of ["wait", "reject"] as const) {
  test(`stress, "${whenFull}" queue: spawns with random aborts racing two workers; each job ran once or was cancelled and never ran, and the queue ends empty and takes limit jobs`, async () => {
    const n = 3_000;
    const limit = 8;
    const base = 2;
    const after = base + n; // the counters of the jobs spawned at the end
    await withRuntime(
      startTestRuntime({ workers: 2, maxExtraMachines: 0, queue: { limit, whenFull } }, after + limit + 1),
      async ({ runtime, counters }) => {
        const rng = random(whenFull === "wait" ? 17 : 23);
        const handles: JobHandle<number>[] = [];
        const abortRecent = (): void => {
          const window = Math.min(handles.length, 32);
          if (window > 0) handles[handles.length - 1 - Math.floor(rng() * window)]!.abort();
        };
        for (let i = 0; i < n; i++) {
          for (;;) {
            try {
              handles.push(runtime.spawn("count", base + i));
              break;
            } catch (error) {
              if (!(error instanceof QueueFullError)) throw error;
              if (rng() < 0.5) abortRecent();
              else await new Promise((resolve) => setTimeout(resolve, 0));
            }
          }
          if (rng() < 0.3) abortRecent();
          // Every job queued is live; an aborted one is settled and must not count (live is read
          // first: it only grows by this thread's spawns, and queueSize only counts live jobs).
          const live = runtime.liveJobs;
          assert.ok(runtime.queueSize <= live, `queueSize ${runtime.queueSize} counts settled jobs (live ${live})`);
          if (rng() < 0.05) await new Promise((resolve) => setTimeout(resolve, 0));
        }
        const outcomes = await Promise.allSettled(handles);
        let cancelled = 0;
        for (const [i, outcome] of outcomes.entries()) {
          const runs = Atomics.load(counters, base + i);
          if (outcome.status === "fulfilled") {
            assert.equal(outcome.value, 1, `job ${i} ran once when it returned`);
            assert.equal(runs, 1, `job ${i} ran exactly once`);
          } else {
            assert.ok(outcome.reason instanceof CancelledError, `job ${i} failed with ${outcome.reason}`);
            assert.equal(runs, 0, `job ${i} was cancelled and never ran`);
            cancelled++;
          }
        }
        assert.ok(cancelled > 0 && cancelled < n, `${cancelled} of ${n} cancelled: both outcomes occurred`);
        assert.equal(runtime.queueSize, 0, "nothing left queued");
        assert.equal(runtime.metrics().injectorDepth, 0);
        assert.equal(runtime.needsDrain, false);
        // Both workers held: the queue takes exactly `limit` jobs again.
        const gates = [0, 1].map((index) => runtime.spawn("gate", index));
        await until(() => Atomics.load(counters, 0) === 1 && Atomics.load(counters, 1) === 1, "both workers held");
        const last: JobHandle<number>[] = [];
        for (let k = 0; k < limit; k++) {
          assert.equal(runtime.needsDrain, false, `room for job ${k} of ${limit}`);
          last.push(runtime.spawn("count", after + k));
        }
        assert.equal(runtime.queueSize, limit);
        assert.equal(runtime.needsDrain, true);
        if (whenFull === "reject") assert.throws(() => runtime.spawn("count", after + limit), QueueFullError);
        open(counters, 0);
        open(counters, 1);
        await Promise.all(gates);
        assert.deepEqual(await Promise.all(last), new Array(limit).fill(1));
      },
    );
  });
}
