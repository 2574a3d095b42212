import assert from "node:assert/strict";
import process from "node:process";
import { test } from "node:test";
import { countingWaker } from "@spindle/test-support";
import { MAX_DURATION_MS, TimerReactor } from "../mod.ts";

test("the host driver arms a sleep longer than a host timer holds without overflowing setTimeout", async () => {
  // Node, Deno and Bun warn (TimeoutOverflowWarning) and fire after 1 ms for a delay beyond 2^31 - 1 ms.
  const warnings: string[] = [];
  const onWarning = (warning: Error): void => void warnings.push(warning.name);
  process.on("warning", onWarning);
  const reactor = await TimerReactor.start({ driver: "host" });
  try {
    for (const ms of [2 ** 31, 40 * 86_400_000, MAX_DURATION_MS]) {
      const sleep = reactor.timer.sleep(ms);
      const { cx, woken } = countingWaker();
      sleep.poll(cx);
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(woken(), 0, `a sleep of ${ms} ms is not woken early`);
      sleep[Symbol.dispose]();
    }
    await new Promise((resolve) => setTimeout(resolve, 10)); // warnings are emitted on a later tick
    assert.deepEqual(warnings.filter((name) => name === "TimeoutOverflowWarning"), []);
  } finally {
    process.off("warning", onWarning);
    reactor.close();
  }
});
