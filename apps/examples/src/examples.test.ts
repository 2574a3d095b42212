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
    "[t1] after 150ms",
    "[t1] after +30ms (≈180ms total)",
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

test("parallel-fib: the fork/join result equals one thread's, and both workers ran jobs", async () => {
  const run = await runExample("parallel-fib");
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout.trimEnd().split("\n");
  assert.equal(lines[0], "fib(32) = 2178309 (one thread: 2178309)");
  assert.match(lines[1]!, /^one thread [\d.]+ ms, 2 workers [\d.]+ ms: speed-up [\d.]+×$/);
  for (const line of lines.slice(2, 4)) assert.match(line, /^worker [01]: [1-9]\d* jobs run, \d+ steals \(\d+ jobs\)$/);
  assert.deepEqual(lines.slice(4), [
    'parse("4.5") failed on its worker: RangeError: not an integer: "4.5"',
    "all done",
  ]);
});

test("parallel-map: every range's count equals one thread's, shared between the workers", async () => {
  const run = await runExample("parallel-map");
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout.trimEnd().split("\n");
  assert.equal(lines[0], "primes below 2000000: 148933 (same per range as one thread: true)");
  assert.match(lines[1]!, /^one thread [\d.]+ ms, 2 workers [\d.]+ ms: speed-up [\d.]+×$/);
  // One line per machine that ran ranges (an extra machine may join if both workers look stuck).
  const shares = lines.slice(2, -1).map((line) =>
    Number(/^worker \d: (\d+) of 100 ranges, \d+ steals$/.exec(line)?.[1])
  );
  assert.ok(shares.length >= 1 && shares.every((n) => n > 0), lines.join("\n"));
  assert.equal(shares.reduce((a, b) => a + b, 0), 100);
  assert.equal(lines.at(-1), "all done");
});
