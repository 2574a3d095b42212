// The timer thread dies while its creator is parked in blockOn: the creator's event loop does not
// run, so the thread's exit event cannot reach it; the parked sleep must still fail (within about
// THREAD_SILENCE_MS and a check period; asserted here by its cause, not timed).
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { blockOn, PARK_CHECK_MS } from "@spindle/core";
import { runScript, runtime } from "@spindle/test-support";
import { TimerReactor } from "./mod.ts";
import { THREAD_SILENCE_MS } from "./thread/thread-driver.ts";

const PARKED_CREATOR = fileURLToPath(new URL("./test-support/parked-creator.ts", import.meta.url));

for (const kind of ["exit", "throw"] as const) {
  test(`${runtime}: a creator parked in blockOn whose timer thread dies (${kind}) fails with TimerClosedError instead of hanging`, async () => {
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
    if (kind === "exit") {
      const silentMs = Number(/did not answer for (\d+) ms/.exec(outcome.cause)?.[1]);
      assert.ok(silentMs >= THREAD_SILENCE_MS, `closed on the probe's verdict: ${outcome.cause}`);
    } else assert.equal(outcome.cause, "injected timer thread fault (code 7)");
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
