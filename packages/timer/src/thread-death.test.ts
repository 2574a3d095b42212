// The timer thread dies while its creator is parked in blockOn: the creator's event loop does not
// run, so the thread's exit event cannot reach it; the parked sleep must still fail, within a bound.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { blockOn, PARK_CHECK_MS } from "@spindle/core";
import { runScript, runtime } from "@spindle/test-support";
import { TimerReactor } from "./mod.ts";
import { THREAD_SILENCE_MS } from "./thread/thread-driver.ts";

const PARKED_CREATOR = fileURLToPath(new URL("./test-support/parked-creator.ts", import.meta.url));
/** The stated bound: the silence limit, a check period, and slack for a loaded 2-vCPU machine. */
const BOUND_MS = THREAD_SILENCE_MS + PARK_CHECK_MS + 2_000;

for (const kind of ["exit", "throw"] as const) {
  test(`${runtime}: a creator parked in blockOn whose timer thread dies (${kind}) fails with TimerClosedError within ${BOUND_MS} ms`, async () => {
    // The child would hang for good on the old code: the hang bound kills it (code null).
    const result = await runScript(PARKED_CREATOR, 60_000, [kind]);
    assert.equal(result.code, 0, `the child did not end by itself: ${result.stderr}`);
    const outcome = JSON.parse(result.stdout.trim().split("\n").at(-1)!);
    assert.equal(outcome.name, "TimerClosedError", result.stdout);
    assert.equal(outcome.reason, "thread-exited");
    assert.equal(typeof outcome.cause, "string", "the cause is kept");
    // exit: nothing of the thread ran, the probe found it silent; throw: the thread closed the
    // timer on its way out, its error summarised first, and woke every client but the creator,
    // which the park check finds closed and fails with that summary.
    if (kind === "exit") assert.match(outcome.cause, /did not answer for \d+ ms/);
    else assert.equal(outcome.cause, "injected timer thread fault (code 7)");
    assert.ok(outcome.ms <= BOUND_MS, `failed after ${outcome.ms} ms`);
  });
}

test(`${runtime}: a live timer thread answers the probes of a creator parked longer than the silence limit`, () => {
  return TimerReactor.start({ driver: "thread" }).then((reactor) => {
    try {
      const start = performance.now();
      blockOn(reactor.timer.sleep(THREAD_SILENCE_MS + 2 * PARK_CHECK_MS));
      assert.ok(performance.now() - start >= THREAD_SILENCE_MS);
      assert.equal(reactor.isClosed, false);
    } finally {
      reactor.close();
    }
  });
});
