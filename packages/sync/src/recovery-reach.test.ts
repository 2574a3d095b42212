// recoverDeadThread reaches only the shared primitives this thread still references (it holds them
// weakly): one the garbage collector took is not recovered, and its holder's permits stay taken,
// until a semaphore rebuilt from the handle recovers them (README, When a thread dies). Seen in a
// probe on Bun: a semaphore made at a module's top level and used only for its handle was collected
// while its workers ran, and a worker blocked in acquireBlocking then waited out its timeout.
import assert from "node:assert/strict";
import { test } from "node:test";
import { recoverDeadThread } from "@spindle/core";
import { collectedLater, collectUntil, startWorker, within } from "@spindle/test-support";
import { SharedSemaphore, type SharedSemaphoreHandle } from "./mod.ts";
import type { DyingData } from "./test-support/dying-worker.ts";

const DYING = new URL("./test-support/dying-worker.ts", import.meta.url);
/** The bound on a worker's start and death (a loaded 2-vCPU machine; Deno type-checks each worker). */
const LIMIT_MS = 120_000;

/** A semaphore of 2 permits that nothing on this thread references, its handle, and a check of its collection. */
function unreferencedSemaphore(): { handle: SharedSemaphoreHandle; collected: () => boolean } {
  const semaphore = new SharedSemaphore(2);
  return { handle: semaphore.handle, collected: collectedLater(semaphore) };
}

test("recoverDeadThread does not reach a semaphore this thread no longer references; one rebuilt from its handle recovers the permits", async () => {
  const { handle, collected } = unreferencedSemaphore();
  const worker = startWorker(
    DYING,
    { op: "permits", death: "exit", semaphore: handle, permits: 2 } satisfies DyingData,
  );
  const id = worker.threadId;
  await within(new Promise((resolve) => worker.once("exit", resolve)), LIMIT_MS, "the worker's death");
  assert.ok(await collectUntil(collected), "the semaphore, referenced by nothing here, was collected");
  assert.deepEqual(recoverDeadThread(id), [], "nothing this thread references held anything of the dead thread");
  const rebuilt = SharedSemaphore.from(handle);
  assert.equal(rebuilt.availablePermits, 0, "the dead worker's 2 permits are still taken");
  assert.equal(rebuilt.recover(id), 2);
  assert.equal(rebuilt.availablePermits, 2);
});
