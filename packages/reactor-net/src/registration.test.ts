import assert from "node:assert/strict";
import { test } from "node:test";
import { PENDING, SpindleError } from "@spindle/core";
import { Interest, Reactor, Ready, Registration } from "./mod.ts";
import { countingWaker } from "@spindle/test-support";

function registered(interest: number): { registration: Registration; stopped: () => boolean } {
  let stopped = false;
  const registration = Reactor.forThisThread().register({ start() {}, stop: () => (stopped = true) }, interest);
  return { registration, stopped: () => stopped };
}

test("pollReady stores the waker and readiness of its direction wakes it once", () => {
  const { registration } = registered(Interest.READABLE | Interest.WRITABLE);
  const { cx, woken } = countingWaker();
  assert.equal(registration.pollReady(cx, Interest.READABLE), PENDING);
  registration.setReady(Ready.WRITABLE);
  assert.equal(woken(), 0, "writability does not wake a reader");
  registration.setReady(Ready.READABLE);
  assert.equal(woken(), 1);
  registration.setReady(Ready.READABLE);
  assert.equal(woken(), 1, "no new wake while already readable");
  registration[Symbol.dispose]();
});

test("readiness stays set until cleared: polling does not consume it", () => {
  const { registration } = registered(Interest.READABLE);
  const { cx } = countingWaker();
  registration.setReady(Ready.READABLE);
  assert.equal(registration.pollReady(cx, Interest.READABLE), Ready.READABLE);
  assert.equal(registration.pollReady(cx, Interest.READABLE), Ready.READABLE, "polling does not consume readiness");
  registration.clearReady(Ready.READABLE);
  assert.equal(registration.pollReady(cx, Interest.READABLE), PENDING);
  registration[Symbol.dispose]();
});

test("only the latest waker per direction is woken", () => {
  const { registration } = registered(Interest.READABLE);
  const first = countingWaker();
  const second = countingWaker();
  registration.pollReady(first.cx, Interest.READABLE);
  registration.pollReady(second.cx, Interest.READABLE);
  registration.setReady(Ready.READABLE);
  assert.deepEqual([first.woken(), second.woken()], [0, 1]);
  registration[Symbol.dispose]();
});

test("closing wakes readers and writers and reports CLOSED from then on", () => {
  const { registration } = registered(Interest.READABLE | Interest.WRITABLE);
  const reader = countingWaker();
  const writer = countingWaker();
  registration.pollReady(reader.cx, Interest.READABLE);
  registration.pollReady(writer.cx, Interest.WRITABLE);
  registration.setReady(Ready.CLOSED);
  assert.deepEqual([reader.woken(), writer.woken()], [1, 1]);
  assert.equal(registration.pollReady(reader.cx, Interest.READABLE), Ready.CLOSED);
  assert.equal(registration.pollReady(writer.cx, Interest.WRITABLE), Ready.CLOSED);
  registration.clearReady(Ready.CLOSED);
  assert.equal(registration.isClosed, true, "CLOSED is never cleared");
  assert.equal(registration.pollReady(reader.cx, Interest.READABLE), Ready.CLOSED);
  registration[Symbol.dispose]();
});

test("dropping a registration stops its source and leaves the reactor", () => {
  const { registration, stopped } = registered(Interest.READABLE | Interest.WRITABLE);
  const before = Reactor.forThisThread().registrations;
  assert.equal(stopped(), false);
  registration[Symbol.dispose]();
  assert.equal(stopped(), true);
  assert.equal(Reactor.forThisThread().registrations, before - 1);
});

test("register rejects what is not a source or an interest", () => {
  const reactor = Reactor.forThisThread();
  assert.throws(
    () => reactor.register({} as never, Interest.READABLE),
    (e: unknown) =>
      e instanceof SpindleError && /start\(registration\) and stop\(\)/.test(e.message) &&
      e.message.endsWith("got an object"),
  );
  assert.throws(() => reactor.register({ start() {}, stop() {} }, 4), /got 4/);
  // A symbol used to throw the engine's TypeError while the message was built.
  for (const [bad, shown] of [[Symbol("r"), "Symbol(r)"], [1n, "1n"], [1.5, "1.5"], [null, "null"]] as const) {
    assert.throws(
      () => reactor.register({ start() {}, stop() {} }, bad as never),
      (e: unknown) => e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && e.message.endsWith(`got ${shown}`),
    );
  }
});

test("new Registration() names a bad interest or onDispose in INVALID_ARGUMENT", () => {
  // It took both unchecked: a registration with interest 7 or no onDispose failed later, in the
  // engine's TypeError ("this[#onDispose] is not a function") when disposed.
  const named = (shown: string) => (e: unknown) =>
    e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && e.message.includes("new Registration()") &&
    e.message.endsWith(`got ${shown}`);
  assert.throws(() => new Registration(7, () => {}), named("7"));
  assert.throws(() => new Registration(undefined as never, () => {}), named("undefined"));
  assert.throws(() => new Registration(Interest.READABLE, 5 as never), named("5"));
  assert.throws(() => new Registration(Interest.READABLE, undefined as never), named("undefined"));
});
