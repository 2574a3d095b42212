import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import {
  abortable,
  blockOn,
  CancellationToken,
  CancelledError,
  Context,
  type Coroutine,
  drop,
  fromPromise,
  LocalExecutor,
  PENDING,
  pending,
  ready,
  SpindleError,
  toPromise,
  whenAborted,
  yieldNow,
} from "./mod.ts";
import { within } from "@spindle/test-support";

/** An `EventTarget`'s listener count is not observable; count adds and removes on the signal. */
function countListeners(signal: AbortSignal): { readonly live: () => number } {
  let live = 0;
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  signal.addEventListener = ((...args: Parameters<typeof add>) => {
    live++;
    return add(...args);
  }) as typeof add;
  signal.removeEventListener = ((...args: Parameters<typeof remove>) => {
    live--;
    return remove(...args);
  }) as typeof remove;
  return { live: () => live };
}

test("whenAborted fails with the signal's reason, at once for an aborted signal", async () => {
  assert.throws(() => blockOn(whenAborted(AbortSignal.abort("already"))), (e) => e === "already");
  const controller = new AbortController();
  const reason = new Error("aborted later");
  const executor = new LocalExecutor();
  const handle = executor.spawn(whenAborted(controller.signal));
  const run = executor.run();
  await Promise.resolve();
  controller.abort(reason);
  await assert.rejects(within(Promise.resolve(handle), 2_000, "whenAborted"), (e) => e === reason);
  await run;
});

test("abortable passes the output through and removes its listener; aborting drops the work first", async () => {
  const controller = new AbortController();
  const listeners = countListeners(controller.signal);
  assert.equal(await toPromise(abortable(fromPromise(Promise.resolve(7)), controller.signal)), 7);
  assert.equal(listeners.live(), 0);

  const log: string[] = [];
  function* work(): Coroutine<string> {
    try {
      yield* pending<void>();
      return "never";
    } finally {
      log.push("finally");
    }
  }
  const executor = new LocalExecutor();
  const handle = executor.spawn(abortable(work(), controller.signal));
  const run = executor.run();
  await Promise.resolve();
  assert.equal(listeners.live(), 1);
  controller.abort(new Error("stop"));
  await assert.rejects(within(Promise.resolve(handle), 2_000, "abortable"), /stop/);
  assert.deepEqual(log, ["finally"]);
  assert.equal(listeners.live(), 0);
  await run;
});

test("abortable with a CancellationToken fails with the token's reason; dropping it unregisters", () => {
  const token = new CancellationToken();
  const future = abortable(pending<number>(), token);
  assert.equal(future.poll(Context.noop()), PENDING);
  drop(future);
  const live = abortable(pending<number>(), token);
  assert.equal(live.poll(Context.noop()), PENDING);
  token.cancel("cancelled by token");
  assert.throws(() => live.poll(Context.noop()), (e) => e === "cancelled by token");
});

test("a dropped abortable leaves no abort listener on the signal (10,000 rounds)", () => {
  const controller = new AbortController();
  const listeners = countListeners(controller.signal);
  for (let i = 0; i < 10_000; i++) {
    const future = abortable(pending<void>(), controller.signal);
    future.poll(Context.noop());
    drop(future);
  }
  assert.equal(listeners.live(), 0);
});

test("fromPromise(factory) calls the factory on the first poll and aborts its signal when dropped", () => {
  let signal: AbortSignal | null = null;
  const future = fromPromise((s) => {
    signal = s;
    return new Promise<number>(() => {});
  });
  assert.equal(signal, null, "nothing starts before the first poll");
  assert.equal(future.poll(Context.noop()), PENDING);
  const given = signal as unknown as AbortSignal;
  assert.equal(given.aborted, false);
  drop(future);
  assert.equal(given.aborted, true);
  assert.ok(given.reason instanceof CancelledError);

  let settledSignal: AbortSignal | null = null;
  const settled = fromPromise((s) => {
    settledSignal = s;
    return Promise.resolve(1);
  });
  settled.poll(Context.noop());
  return Promise.resolve().then(() => {
    assert.equal(settled.poll(Context.noop()), 1);
    drop(settled);
    assert.equal((settledSignal as unknown as AbortSignal).aborted, false, "a settled promise is not aborted");
  });
});

test("aborting a task waiting in fromPromise(factory) aborts the signal it was given", async () => {
  let given: AbortSignal | null = null;
  function* waits(): Coroutine<void> {
    yield* fromPromise((signal) => {
      given = signal;
      return new Promise<void>(() => {});
    });
  }
  const executor = new LocalExecutor();
  const handle = executor.spawn(waits());
  const run = executor.run();
  await Promise.resolve();
  handle.abort();
  assert.equal((given as unknown as AbortSignal).aborted, true);
  await assert.rejects(Promise.resolve(handle), CancelledError);
  await run;
});

test("fetch through fromPromise(factory) is aborted when its future is dropped (a local HTTP server sees the close)", async () => {
  let requestClosed!: () => void;
  const closed = new Promise<void>((resolve) => (requestClosed = resolve));
  let arrived!: () => void;
  const requestArrived = new Promise<void>((resolve) => (arrived = resolve));
  const server = createServer((request, response) => {
    response.on("close", requestClosed); // never answered: only the client can end it
    arrived();
    void request;
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const { port } = server.address() as AddressInfo;
    let fetching: Promise<Response> | null = null;
    function* get(): Coroutine<Response> {
      return yield* fromPromise((signal) => (fetching = fetch(`http://127.0.0.1:${port}/`, { signal })));
    }
    const executor = new LocalExecutor();
    const handle = executor.spawn(get());
    const run = executor.run();
    await within(requestArrived, 5_000, "the request");
    handle.abort(); // drops the fromPromise future
    await within(closed, 5_000, "the server seeing the request closed");
    const failure = await (fetching as unknown as Promise<Response>).then(() => null, (e: unknown) => e);
    assert.ok(failure instanceof CancelledError, `fetch rejected with ${String(failure)}`);
    await assert.rejects(Promise.resolve(handle), CancelledError);
    await run;
  } finally {
    server.closeAllConnections?.();
    await new Promise((resolve) => server.close(resolve));
  }
});

test("toPromise(work, { signal }) aborts the task, waits for its finally, and rejects with the reason", async () => {
  const log: string[] = [];
  function* work(): Coroutine<string> {
    try {
      yield* pending<void>();
      return "never";
    } finally {
      yield* yieldNow();
      log.push("finally ran");
    }
  }
  const controller = new AbortController();
  const listeners = countListeners(controller.signal);
  const promise = toPromise(work(), { signal: controller.signal });
  await Promise.resolve();
  const reason = new Error("no longer needed");
  controller.abort(reason);
  await assert.rejects(within(promise, 2_000, "toPromise"), (e) => e === reason);
  assert.deepEqual(log, ["finally ran"]);
  assert.equal(listeners.live(), 0);

  let started = false;
  function* notStarted(): Coroutine<void> {
    started = true;
    yield* yieldNow();
  }
  await assert.rejects(toPromise(notStarted(), { signal: AbortSignal.abort("early") }), (e) => e === "early");
  assert.equal(started, false);
  const unused = new AbortController();
  const unusedListeners = countListeners(unused.signal);
  assert.equal(await toPromise(fromPromise(Promise.resolve(3)), { signal: unused.signal }), 3);
  assert.equal(unusedListeners.live(), 0);
});

test("toPromise(work, { signal }) is aborted by a signal its work aborts during its first poll", async () => {
  // The first poll runs inside toPromise: the abort listener used to be added after it, and missed it.
  const controller = new AbortController();
  const listeners = countListeners(controller.signal);
  const reason = new Error("aborted by the work itself");
  function* work(): Coroutine<void> {
    controller.abort(reason);
    yield* pending<void>();
  }
  await assert.rejects(
    within(toPromise(work(), { signal: controller.signal }), 2_000, "toPromise"),
    (e) => e === reason,
  );
  assert.equal(listeners.live(), 0);
});

test("bad input: a non-signal, a non-promise factory result", () => {
  const invalid = (pattern: RegExp) => (e: unknown) =>
    e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && pattern.test(e.message);
  assert.throws(() => abortable(pending(), {} as AbortSignal), invalid(/got an object/));
  assert.throws(() => whenAborted("signal" as never), invalid(/got "signal"/));
  assert.throws(() => toPromise(pending(), { signal: 5 as never }), invalid(/got 5/));
  assert.throws(() => toPromise(pending(), 5 as never), invalid(/got 5/));
  const future = fromPromise(() => 42 as never);
  assert.throws(() => future.poll(Context.noop()), invalid(/must return a promise, got 42/));
});

test("fromPromise of something that is not a promise or a function is INVALID_ARGUMENT naming it", () => {
  for (const bad of [5, null, { then: 1 }]) {
    assert.throws(
      () => blockOn(fromPromise(bad as never)),
      (e) => e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && e.message.includes("fromPromise()"),
      String(bad),
    );
  }
});

test("abortable() polled after it completed names abortable(), not whenAborted()", () => {
  const future = abortable(ready(1), new AbortController().signal);
  const cx = Context.noop();
  assert.equal(future.poll(cx), 1);
  assert.throws(
    () => future.poll(cx),
    (e) => e instanceof SpindleError && e.code === "FUTURE_COMPLETED" && /abortable\(\)/.test(e.message),
  );
});
