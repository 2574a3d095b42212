// Port of piscina's test/generics.ts (piscinajs/piscina 4e9791fd46b61c638e7ad05f14ec4540d40898aa)
// onto @spindle/workstealing, written from its README. `Piscina<T, R>` is
// `Runtime.start<typeof jobs>`: the job module's type gives each job's argument and result types,
// so the two "typescript complains" tests are `@ts-expect-error` lines checked by the typecheck
// (tsc and `deno check`), and run as well. Differs: a runtime started without the type refuses
// every spawn at compile time, where piscina's untyped pool takes any task.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Runtime } from "@spindle/workstealing";
import type jobs from "./piscina/jobs.ts";
import { JOBS, withRuntime } from "./piscina/support.ts";

const words = new Int32Array(new SharedArrayBuffer(4));

test("Piscina<T , R> works", async () => {
  await withRuntime({ workers: 1 }, async (runtime) => {
    const result: number = await runtime.spawn("resolveLater", 42);
    assert.equal(result, 42);
  });
});

test("Piscina with no generic works (differs: it runs, but TypeScript refuses the spawn)", async () => {
  // Without the job module's type, no job name type-checks (piscina types task and result as
  // `any`); from JavaScript, or past the error, it runs.
  const runtime = await Runtime.start(JOBS, { workers: 1, workerData: { words } });
  try {
    // @ts-expect-error: an untyped runtime knows no job names
    const result = await runtime.spawn("echoString", "Hello, world!");
    assert.equal(result, "Hello, world!");
  } finally {
    await runtime.shutdown();
  }
});

test("Piscina<T, R> typescript complains when invalid Task is supplied as wrong type", async () => {
  const runtime = await Runtime.start<typeof jobs>(JOBS, { workers: 1, workerData: { words } });
  try {
    // @ts-expect-error: echoString takes a string
    const result = await runtime.spawn("echoString", 42);
    assert.equal(result, 42);
  } finally {
    await runtime.shutdown();
  }
});

test("Piscina<T, R> typescript complains when assigning Result to wrong type", async () => {
  const runtime = await Runtime.start<typeof jobs>(JOBS, { workers: 1, workerData: { words } });
  try {
    // @ts-expect-error: resolveLater's result is a number
    const result: string = await runtime.spawn("resolveLater", 42);
    assert.equal(result, 42);
  } finally {
    await runtime.shutdown();
  }
});
