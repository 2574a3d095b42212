// Port of tokio-util/tests/sync_cancellation_token.rs (tokio-rs/tokio
// ea91b33ca57ff0581b38e735cc108f831bccbdaa) onto @spindle/core's CancellationToken, written from
// the core README and the structured-concurrency guide. tokio's `child_token()` is `child()`;
// `clone()` / `cancelled_owned()` have no counterpart (a token is shared by reference), so the
// `_owned` tests use the token itself. Rust's `drop(token)` of one handle is letting the reference
// go here; `[Symbol.dispose]()` is stronger (it detaches the token and drops its listeners).
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  CancellationToken,
  CANCELLED,
  Context,
  type Coroutine,
  type Future,
  PENDING,
  pending,
  pollFn,
  type RawWakerVTable,
  Waker,
} from "@spindle/core";
import { oneshot, type OneshotReceiver } from "@spindle/sync";

/** tokio-util's new_count_waker: one waker whose wakes are counted. */
function countWaker(): { cx: Context; readonly count: number } {
  const state = { count: 0 };
  const vtable: RawWakerVTable<typeof state> = {
    clone: (data) => ({ data, vtable }),
    wake: (data) => void data.count++,
    wakeByRef: (data) => void data.count++,
    drop: () => {},
  };
  const cx = new Context(Waker.fromRaw({ data: state, vtable }));
  return {
    cx,
    get count() {
      return state.count;
    },
  };
}

const isPending = (f: Future<unknown>, cx: Context): boolean => f.poll(cx) === PENDING;
const isReady = (f: Future<unknown>, cx: Context): boolean => f.poll(cx) !== PENDING;

test("cancel_token", () => {
  const waker = countWaker();
  const token = new CancellationToken();
  assert.equal(token.isCancelled, false);
  const waitFut = token.cancelled();
  assert.ok(isPending(waitFut, waker.cx));
  assert.equal(waker.count, 0);
  const waitFut2 = token.cancelled();
  token.cancel();
  assert.equal(waker.count, 1);
  assert.equal(token.isCancelled, true);
  assert.ok(isReady(waitFut, waker.cx));
  assert.ok(isReady(waitFut2, waker.cx));
});

test("cancel_token_owned", () => {
  // The same as cancel_token: a token is shared by reference, there is no owned variant.
  const waker = countWaker();
  const token = new CancellationToken();
  const shared = token;
  const waitFut = shared.cancelled();
  assert.ok(isPending(waitFut, waker.cx));
  assert.equal(waker.count, 0);
  const waitFut2 = shared.cancelled();
  token.cancel();
  assert.equal(waker.count, 1);
  assert.equal(token.isCancelled, true);
  assert.ok(isReady(waitFut, waker.cx));
  assert.ok(isReady(waitFut2, waker.cx));
});

test("cancel_token_owned_drop_test", () => {
  const waker = countWaker();
  const token = new CancellationToken();
  const future = token.cancelled();
  assert.ok(isPending(future, waker.cx));
  assert.equal(waker.count, 0);
  future[Symbol.dispose]();
  token.cancel();
  assert.equal(waker.count, 0, "a dropped cancelled() future is not woken");
});

test("cancel_child_token_through_parent", () => {
  const waker = countWaker();
  const token = new CancellationToken();
  const child = token.child();
  assert.equal(child.isCancelled, false);
  const childFut = child.cancelled();
  const parentFut = token.cancelled();
  assert.ok(isPending(childFut, waker.cx));
  assert.ok(isPending(parentFut, waker.cx));
  assert.equal(waker.count, 0);
  token.cancel();
  assert.equal(waker.count, 2);
  assert.equal(token.isCancelled, true);
  assert.equal(child.isCancelled, true);
  assert.ok(isReady(childFut, waker.cx));
  assert.ok(isReady(parentFut, waker.cx));
});

test("cancel_grandchild_token_through_parent_if_child_was_dropped", () => {
  const waker = countWaker();
  const token = new CancellationToken();
  let intermediate: CancellationToken | null = token.child();
  const child = intermediate.child();
  intermediate = null; // Rust's drop(intermediate_token): the reference goes, the tree stays
  assert.equal(intermediate, null);
  assert.equal(child.isCancelled, false);
  const childFut = child.cancelled();
  const parentFut = token.cancelled();
  assert.ok(isPending(childFut, waker.cx));
  assert.ok(isPending(parentFut, waker.cx));
  assert.equal(waker.count, 0);
  token.cancel();
  assert.equal(waker.count, 2);
  assert.equal(child.isCancelled, true);
  assert.ok(isReady(childFut, waker.cx));
  assert.ok(isReady(parentFut, waker.cx));
});

test("cancel_child_token_without_parent", () => {
  const waker = countWaker();
  const token = new CancellationToken();
  const child1 = token.child();
  const childFut = child1.cancelled();
  const parentFut = token.cancelled();
  assert.ok(isPending(childFut, waker.cx));
  assert.ok(isPending(parentFut, waker.cx));
  assert.equal(waker.count, 0);
  child1.cancel();
  assert.equal(waker.count, 1);
  assert.equal(token.isCancelled, false);
  assert.equal(child1.isCancelled, true);
  assert.ok(isReady(childFut, waker.cx));
  assert.ok(isPending(parentFut, waker.cx));

  const child2 = token.child();
  const childFut2 = child2.cancelled();
  assert.ok(isPending(childFut2, waker.cx));
  assert.ok(isPending(parentFut, waker.cx));
  token.cancel();
  assert.equal(waker.count, 3);
  assert.equal(token.isCancelled, true);
  assert.equal(child2.isCancelled, true);
  assert.ok(isReady(childFut2, waker.cx));
  assert.ok(isReady(parentFut, waker.cx));
});

test("create_child_token_after_parent_was_cancelled", () => {
  for (const disposeChildFirst of [true, false]) {
    const waker = countWaker();
    const token = new CancellationToken();
    token.cancel();
    const child = token.child();
    assert.equal(child.isCancelled, true);
    assert.ok(isReady(child.cancelled(), waker.cx));
    assert.ok(isReady(token.cancelled(), waker.cx));
    assert.equal(waker.count, 0);
    const order = disposeChildFirst ? [child, token] : [token, child];
    for (const t of order) t[Symbol.dispose]();
    assert.equal(child.isCancelled, true);
  }
});

test("drop_multiple_child_tokens", () => {
  for (const firstChildFirst of [true, false]) {
    const token = new CancellationToken();
    const children = [token.child(), token.child(), token.child()];
    assert.equal(token.isCancelled, false);
    assert.equal(children[0]!.isCancelled, false);
    for (let i = 0; i < children.length; i++) {
      children[firstChildFirst ? i : children.length - 1 - i]![Symbol.dispose]();
      assert.equal(token.isCancelled, false);
    }
    token[Symbol.dispose]();
  }
});

test("cancel_only_all_descendants", () => {
  const waker = countWaker();
  const parent = new CancellationToken();
  const token = parent.child();
  const sibling = parent.child();
  const child1 = token.child();
  const child2 = token.child();
  const grandchild = child1.child();
  const grandchild2 = child1.child();
  const greatGrandchild = grandchild.child();
  const all = [parent, token, sibling, child1, child2, grandchild, grandchild2, greatGrandchild];
  for (const t of all) assert.equal(t.isCancelled, false);
  const futs = all.map((t) => t.cancelled());
  for (const f of futs) assert.ok(isPending(f, waker.cx));
  assert.equal(waker.count, 0);
  token.cancel();
  assert.equal(waker.count, 6);
  const expected = [false, true, false, true, true, true, true, true];
  assert.deepEqual(all.map((t) => t.isCancelled), expected);
  futs.forEach((f, i) => assert.equal(f.poll(waker.cx) !== PENDING, expected[i]));
});

test("drop_parent_before_child_tokens", () => {
  const token = new CancellationToken();
  const child1 = token.child();
  const child2 = token.child();
  token[Symbol.dispose]();
  assert.equal(child1.isCancelled, false);
  child1[Symbol.dispose]();
  child2[Symbol.dispose]();
  assert.equal(child2.isCancelled, false);
});

test("run_until_cancelled_test", () => {
  const waker = countWaker();
  {
    const token = new CancellationToken();
    const fut = token.runUntilCancelled(pending<void>());
    assert.equal(fut.poll(waker.cx), PENDING);
    token.cancel();
    assert.equal(fut.poll(waker.cx), CANCELLED);
  }
  {
    const [tx, rx] = oneshot<void>();
    const token = new CancellationToken();
    const fut = token.runUntilCancelled(function* (): Coroutine<number> {
      yield* rx;
      return 42;
    }());
    assert.equal(fut.poll(waker.cx), PENDING);
    tx.send();
    assert.equal(fut.poll(waker.cx), 42);
  }
  // The work is not polled when the token is already cancelled.
  {
    const token = new CancellationToken();
    const fut = token.runUntilCancelled(pollFn(() => assert.fail("fut polled after cancellation")));
    token.cancel();
    assert.equal(fut.poll(waker.cx), CANCELLED);
  }
});

// tokio's `_owned` form takes the token by value so that the future outlives the caller's handle;
// a Spindle future keeps the token alive by reference, so it is the same call, made from a
// function the token is handed to (as upstream), cancelled through another reference.
test("run_until_cancelled_owned_test", () => {
  const waker = countWaker();
  {
    const token = new CancellationToken();
    const toCancel = token;
    const takesOwnership = (owned: CancellationToken) => owned.runUntilCancelled(pending<void>());
    const fut = takesOwnership(token);
    assert.equal(fut.poll(waker.cx), PENDING);
    toCancel.cancel();
    assert.equal(fut.poll(waker.cx), CANCELLED);
  }
  {
    const [tx, rx] = oneshot<void>();
    const token = new CancellationToken();
    const takesOwnership = (owned: CancellationToken, receiver: OneshotReceiver<void>) =>
      owned.runUntilCancelled(function* (): Coroutine<number> {
        yield* receiver;
        return 42;
      }());
    const fut = takesOwnership(token, rx);
    assert.equal(fut.poll(waker.cx), PENDING);
    tx.send();
    assert.equal(fut.poll(waker.cx), 42);
  }
});
