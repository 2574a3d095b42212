import assert from "node:assert/strict";
import { test } from "node:test";
import { type Coroutine, LocalExecutor, Waker, wakeShared, WakeTable } from "@spindle/core";
import { Instant, TimerReactor } from "../mod.ts";

const turns = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

test("a stale wake left on a free WakeTable slot neither fires a sleep early nor leaks the slot's registration", async () => {
  const reactor = await TimerReactor.start({ driver: "thread" });
  try {
    const table = WakeTable.forThisThread();
    // A slot woken after it was unregistered, once the table's listener has stopped: the bit
    // stays set until the next registration of that slot number drains it (at once).
    const stale = table.register(Waker.noop());
    table.unregister(stale);
    wakeShared({ buffer: table.buffer, slot: stale.slot }); // lets the listener see it is idle
    await turns(20);
    assert.equal(table.registered, 0);
    wakeShared(stale);
    const executor = new LocalExecutor();
    const slept = executor.spawn(function* (): Coroutine<number> {
      const start = Instant.now();
      yield* reactor.timer.sleep(15); // its driver registers the stale slot number
      return start.elapsed();
    }());
    await executor.run();
    assert.ok((await slept) >= 15, "never early");
    // Before the fix the re-entrant wake registered a second slot that nothing unregistered, and
    // the process could never exit.
    assert.equal(table.registered, 0);
  } finally {
    reactor.close();
  }
});
