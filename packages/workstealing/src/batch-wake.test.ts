// How many workers the runtime's thread wakes for the jobs it queues (`SharedState.searchersFor`,
// used by `Runtime.spawn` after each injector push): one per queued job, so that a batch's
// workers are all woken by the runtime's thread and none by a busy worker; two for a job that
// forks; one for a lone job. The machines here are words of the shared state, parked and woken
// from this thread (no worker threads run).
import assert from "node:assert/strict";
import { test } from "node:test";
import { WakeTable } from "@spindle/core";
import { ValueEncoder } from "@spindle/codec";
import { RUNTIME_THREAD, SharedState } from "./shared-state.ts";
import { sharedStateSetup } from "./test-support/shared-setup.ts";

const WORKERS = 3;

/** A runtime's shared state with WORKERS processors whose machines have arrived and parked. */
function parkedWorkers(): { shared: SharedState; queue: (job: number) => void } {
  const tables = Array.from({ length: WORKERS }, () => WakeTable.createBuffer());
  const shared = new SharedState(sharedStateSetup(tables, 1 << 20), RUNTIME_THREAD);
  for (let p = 0; p < WORKERS; p++) {
    shared.idle.arrive(p);
    shared.idle.transitionToParked(p);
  }
  const encoder = new ValueEncoder();
  encoder.useHeap(shared.setup.heap);
  // What Runtime.spawn does with a job: a record, the injector push, then the wake.
  const queue = (job: number): void => {
    shared.injector.push(shared.records.create(job, encoder, encoder.encode([], "job", "args")));
    shared.idle.notifyWork(shared.searchersFor(job));
  };
  return { shared, queue };
}

/** The processors a notifier took off the sleepers' list (each then counts as a searcher). */
function woken(shared: SharedState): number[] {
  const out: number[] = [];
  // transitionFromParked takes a machine that nobody notified off the list itself, so it is
  // asked once per machine, at the end of a test.
  for (let p = 0; p < WORKERS; p++) if (shared.idle.transitionFromParked(p)) out.push(p);
  return out;
}

test("a lone queued job wakes one parked worker", () => {
  const { shared, queue } = parkedWorkers();
  assert.equal(shared.searchersFor(0), 1, "nothing queued yet");
  queue(0);
  assert.equal(woken(shared).length, 1);
});

test("each job queued while the earlier ones wait wakes one more parked worker, up to the parked ones", () => {
  const { shared, queue } = parkedWorkers();
  queue(0);
  queue(0);
  assert.equal(shared.searchersFor(0), 2, "two jobs wait in the injector");
  assert.equal(woken(shared).length, 2, "the second job woke a second worker, not left to the first");
  const more = parkedWorkers();
  for (let i = 0; i < 5; i++) more.queue(0);
  assert.equal(woken(more.shared).length, WORKERS, "five jobs: every parked worker, no more");
});

test("a job that forks wakes two parked workers even alone", () => {
  const { shared, queue } = parkedWorkers();
  shared.markForking(1);
  assert.equal(shared.searchersFor(1), 2);
  assert.equal(shared.searchersFor(0), 1, "another job's number is not marked");
  queue(1);
  assert.equal(woken(shared).length, 2);
});
