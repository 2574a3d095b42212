// Port of tokio-stream/tests/join_set_stream.rs (tokio-rs/tokio ea91b33ca57ff0581b38e735cc108f831bccbdaa)
// onto @spindle/core's asCompleted (tokio-stream's JoinSetStream: the outputs of a set of tasks
// in completion order), written from the core README. A task that throws fails the poll that
// reaches it, with its error, as a panicking task's JoinError comes out of the stream. Not
// portable: size_hint_stream (core streams have no size hint).
import assert from "node:assert/strict";
import { test } from "node:test";
import { asCompleted, collect, type Coroutine, LocalExecutor, next, toPromise } from "@spindle/core";
import { value } from "./support.ts";

test("join_set_as_stream", async () => {
  const executor = new LocalExecutor();
  const stream = asCompleted([0, 1].map((i) => executor.spawn(value(i))));
  void executor.run();
  const values = new Set(await toPromise(collect(stream)));
  assert.deepEqual(values, new Set([0, 1]));
});

test("join_set_as_stream_panics_with_error", async () => {
  const executor = new LocalExecutor();
  const stream = asCompleted([executor.spawn((function* (): Coroutine<never> {
    throw new Error("boom!");
  })())]);
  void executor.run();
  await assert.rejects(toPromise(next(stream)), /boom!/);
});
