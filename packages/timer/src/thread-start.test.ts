import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { TimerReactor, TimerThreadStartError } from "./mod.ts";
import { runtime } from "./test-support/runtime.ts";

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
