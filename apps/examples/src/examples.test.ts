import assert from "node:assert/strict";
import { test } from "node:test";
import { runExample } from "./run-example.ts";

test("sleep-two-tasks: the timer thread wakes the shorter sleep first, and no sleep returns early", async () => {
  const run = await runExample("sleep-two-tasks");
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(run.stdout.trimEnd().split("\n"), [
    "[t1] start",
    "[t2] start",
    "[t2] after 10ms",
    "[t1] after 50ms",
    "[t1] after +30ms (≈80ms total)",
    "all done",
  ]);
});

test("udp-recv-from: recvFrom is pending until the reactor wakes it; the echo server answers every word", async () => {
  const run = await runExample("udp-recv-from");
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(run.stdout.trimEnd().split("\n"), [
    "server bound to 127.0.0.1",
    "tryRecvFrom before any datagram: would block",
    "first pollRecvFrom: pending (waker stored with the reactor)",
    '[server] received "hello" from the client',
    '[client] reply "HELLO"',
    '[server] received "reactor" from the client',
    '[client] reply "REACTOR"',
    '[server] received "bye" from the client',
    '[client] reply "BYE"',
    "server stats: received 3, delivered 3, dropped 0, sent 3",
    "all done",
  ]);
});

test("custom-waker: clones, wakes, wake-by-refs and drops balance", async () => {
  const run = await runExample("custom-waker");
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(run.stdout.trimEnd().split("\n"), [
    "clone      -> refs 2",
    "clone      -> refs 3",
    "wakeByRef  -> refs 3",
    "wake       -> refs 2 (consumed)",
    "drop       -> refs 1",
    "drop       -> refs 0",
    "balanced: true",
    "ready after 3 polls",
  ]);
});

test("executor-handoff: the future completes on the second executor", async () => {
  const run = await runExample("executor-handoff");
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(run.stdout.trimEnd().split("\n"), [
    "first executor: select was won by the ready future; the other future is still pending",
    "second executor: woken by the worker",
  ]);
});

test("fork-join: fork/join results equal the sequential ones and a job's error arrives intact", async () => {
  const run = await runExample("fork-join");
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(run.stdout.trimEnd().split("\n"), [
    "fib(30) = 832040 (sequential: 832040)",
    "sum of 1..1,000,000 = 500000500000",
    'parse("4.5") failed on its worker: RangeError: not an integer: "4.5"',
    "all done",
  ]);
});
