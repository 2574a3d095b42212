import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, rmSync } from "node:fs";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { TimerReactor, TimerThreadStartError } from "./mod.ts";
import { runtime } from "@spindle/test-support";
import { SpindleError } from "@spindle/core";

test("auto without a threads primitive falls back to the host, keeps the reason and warns once", async () => {
  const saved = globalThis.BroadcastChannel;
  const warnings: unknown[][] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => void warnings.push(args);
  try {
    (globalThis as { BroadcastChannel?: unknown }).BroadcastChannel = undefined;
    const quiet = await TimerReactor.start({ warnOnFallback: false });
    assert.equal(quiet.driver, "host");
    assert.ok(quiet.fallbackReason instanceof TimerThreadStartError, String(quiet.fallbackReason));
    assert.match(quiet.fallbackReason.message, /BroadcastChannel/);
    assert.equal(warnings.length, 0, "warnOnFallback: false prints nothing");
    assert.throws(
      () => quiet.timer.share(),
      /fallbackReason/,
      "sharing it (Runtime.start's timer option) points at the reason",
    );
    const loud = [await TimerReactor.start(), await TimerReactor.start()];
    assert.equal(warnings.length, 1, "one warning per process");
    assert.match(String(warnings[0]![0]), /BroadcastChannel.*host driver.*warnOnFallback/);
    for (const reactor of [quiet, ...loud]) reactor.close();
  } finally {
    globalThis.BroadcastChannel = saved;
    console.warn = warn;
  }
  const thread = await TimerReactor.start();
  assert.equal(thread.driver, "thread");
  assert.equal(thread.fallbackReason, null);
  thread.close();
  const host = await TimerReactor.start({ driver: "host" });
  assert.equal(host.fallbackReason, null, "a chosen host driver is no fallback");
  host.close();
});

test("a thread entry that cannot load: thread rejects with its error as cause, auto keeps it as the reason", async () => {
  // A copy of the package's sources without the thread's entry (timer-thread.js), as a bundle that
  // lost it would be; beside src/ so that its imports resolve as the originals' do.
  const copy = new URL(`../missing-entry-${crypto.randomUUID()}/`, import.meta.url);
  cpSync(new URL("./", import.meta.url), copy, {
    recursive: true,
    filter: (source) => !/(\.test\.ts|test-support|timer-thread\.(js|ts))$/.test(source),
  });
  try {
    const copied = (await import(new URL("./mod.ts", copy).href)) as typeof import("./mod.ts");
    await assert.rejects(copied.TimerReactor.start({ driver: "thread" }), (error: unknown) => {
      assert.ok(error instanceof copied.TimerThreadStartError, String(error));
      assert.ok(error.cause instanceof Error, `the runtime's error is the cause: ${String(error.cause)}`);
      // The message shows the runtime's ("Cannot find module '…/timer-thread.js'"; under
      // `deno test`, which type-checks a worker's modules, "Type checking failed").
      assert.ok(error.message.endsWith(error.cause.message), error.message);
      return true;
    });
    const auto = await copied.TimerReactor.start({ warnOnFallback: false });
    assert.equal(auto.driver, "host");
    assert.ok(auto.fallbackReason instanceof copied.TimerThreadStartError);
    assert.ok(auto.fallbackReason.cause instanceof Error);
    auto.close();
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
});

// Permissions exist only on Deno (Node and Bun grant everything): this test is defined there only.
if (runtime === "deno") {
  test("deno: without --allow-read, the thread's failure names the flag and auto keeps it as the reason", () => {
    const script = fileURLToPath(new URL("./test-support/without-read.ts", import.meta.url));
    const bin = process.env.SPINDLE_TEST_RUNTIME_BIN ?? process.execPath;
    const out = execFileSync(bin, ["run", "--no-prompt", "--allow-env", script], { encoding: "utf8", timeout: 20_000 });
    assert.deepEqual(JSON.parse(out), {
      thread: { name: "PermissionDeniedError", flag: "--allow-read", cause: "NotCapable" },
      driver: "host",
      reason: "PermissionDeniedError",
      flag: "--allow-read",
    });
  });
}

test("a driver that is not one of the three names is INVALID_ARGUMENT naming it, also a bigint or a symbol", async () => {
  for (const [driver, shown] of [["bogus", '"bogus"'], [10n, "got 10"], [Symbol("s"), "Symbol(s)"]] as const) {
    await assert.rejects(
      TimerReactor.start({ driver: driver as never }),
      (e: unknown) => e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && e.message.includes(shown),
    );
  }
});
