// Port of tokio/tests/task_local.rs (tokio-rs/tokio ea91b33ca57ff0581b38e735cc108f831bccbdaa)
// onto @spindle/core's TaskLocal, written from the core README and TaskLocal's doc comment;
// tokio's time is @spindle/timer's VirtualClock, Rust's Drop is a `finally` or a future's
// `[Symbol.dispose]`. Differs: `get()` gives `undefined` outside a scope where tokio's panics and
// its `try_get` fails, so `isSet` stands for `try_get().is_ok()`; `with(|v| ..)` is `get()`.
// Not portable: `take_value` (a scope's value cannot be taken out of it), so `take_value`,
// `poll_after_take_value_should_fail` and the second half of `get_value` have no port; nor has
// `task_local_available_on_completion_drop`: a future that completed is not dropped here (the core
// README: drop is explicit, for a future you abandon), so there is no drop to see the value in.
// tokio's multi-thread flavour runs the three tasks of `local` on one thread here. Found by this
// port: a scoped plain future (not a coroutine) was dropped without its values in force.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CancelledError, type Context, type Coroutine, Future, PENDING, type Poll, TaskLocal } from "@spindle/core";
import { oneshot, type OneshotSender } from "@spindle/sync";
import { pausedTask } from "./paused-clock.ts";

test("local: each task sees its own scope's value, also after a sleep", async () => {
  const REQ_ID = new TaskLocal<number>("REQ_ID");
  const FOO = new TaskLocal<boolean>("FOO");
  await pausedTask(function* (executor, clock): Coroutine<void> {
    const j1 = executor.spawn(REQ_ID.scope(
      1,
      function* (): Coroutine<void> {
        assert.equal(REQ_ID.get(), 1);
        assert.equal(REQ_ID.get(), 1);
      }(),
    ));
    const j2 = executor.spawn(REQ_ID.scope(
      2,
      function* (): Coroutine<void> {
        assert.equal(REQ_ID.get(), 2);
        yield* clock.timer.sleep(10);
        assert.equal(REQ_ID.get(), 2);
      }(),
    ));
    const j3 = executor.spawn(FOO.scope(
      true,
      function* (): Coroutine<void> {
        assert.equal(FOO.get(), true);
      }(),
    ));
    yield* j1;
    yield* j2;
    yield* j3;
  });
});

/** A future that is never ready; it tells `polled` at its first poll, and `dropped` the local's value at its drop. */
class ReadsLocalOnDrop extends Future<void> {
  readonly #local: TaskLocal<number>;
  #polled: OneshotSender<void> | null;
  #dropped: OneshotSender<number | undefined> | null;

  constructor(
    local: TaskLocal<number>,
    polled: OneshotSender<void>,
    dropped: OneshotSender<number | undefined>,
  ) {
    super();
    this.#local = local;
    this.#polled = polled;
    this.#dropped = dropped;
  }

  poll(_cx: Context): Poll<void> {
    this.#polled?.send();
    this.#polled = null;
    return PENDING;
  }

  override [Symbol.dispose](): void {
    this.#dropped?.send(this.#local.get());
    this.#dropped = null;
  }
}

test("task_local_available_on_abort: the local is in force while an aborted task's future is dropped", async () => {
  const KEY = new TaskLocal<number>("KEY");
  await pausedTask(function* (executor): Coroutine<void> {
    const [txDrop, rxDrop] = oneshot<number | undefined>();
    const [txPoll, rxPoll] = oneshot<void>();
    const h = executor.spawn(KEY.scope(42, new ReadsLocalOnDrop(KEY, txPoll, txDrop)));
    yield* rxPoll;
    h.abort();
    assert.equal(yield* rxDrop, 42);
    try {
      yield* h;
      assert.fail("the aborted task completed");
    } catch (error) {
      assert.ok(error instanceof CancelledError, `got ${String(error)}`);
    }
  });
});

test("get_value: get() and isSet inside the scope (its take_value half is not portable)", async () => {
  const KEY = new TaskLocal<number>("KEY");
  await pausedTask(function* (): Coroutine<void> {
    yield* KEY.scope(
      1,
      function* (): Coroutine<void> {
        assert.equal(KEY.get(), 1);
        assert.equal(KEY.isSet, true);
      }(),
    );
    assert.equal(KEY.isSet, false);
    assert.equal(KEY.get(), undefined);
  });
});
