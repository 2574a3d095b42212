/** Test support (not published): blocking this thread while another thread acts. */
import assert from "node:assert/strict";

/**
 * Blocks this thread (no event loop turn, so no message or event of another thread is received)
 * until `done`, at most 10 s (a hang bound, not a timing assertion).
 */
export function blockUntil(done: () => boolean, what: string): void {
  const nap = new Int32Array(new SharedArrayBuffer(4));
  for (const start = performance.now(); !done();) {
    assert.ok(performance.now() - start < 10_000, `${what} within 10 s`);
    Atomics.wait(nap, 0, 0, 1);
  }
}
