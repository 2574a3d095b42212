// Port of tokio/tests/sync_barrier.rs (tokio-rs/tokio ea91b33ca57ff0581b38e735cc108f831bccbdaa)
// onto @spindle/sync's Barrier, written from the package README.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Barrier } from "@spindle/sync";
import { pending, ready, spawn } from "./support.ts";

// barrier_future_is_send: a Rust trait-bound check, nothing to port (README: not portable).

test("zero_does_not_block", () => {
  const b = new Barrier(0); // as in tokio, 0 parties never waits: every wait leads its own round
  for (let round = 0; round < 2; round++) assert.equal(ready(spawn(b.wait()).poll()).isLeader, true);
});

test("single", () => {
  const b = new Barrier(1);
  for (let round = 0; round < 3; round++) {
    const w = spawn(b.wait());
    assert.equal(ready(w.poll()).isLeader, true);
  }
});

test("tango", () => {
  const b = new Barrier(2);
  const w1 = spawn(b.wait());
  pending(w1.poll());
  const w2 = spawn(b.wait());
  const wr2 = ready(w2.poll());
  assert.ok(w1.isWoken(), "the second arrival woke the first");
  const wr1 = ready(w1.poll());
  assert.ok(wr1.isLeader || wr2.isLeader);
  assert.ok(!(wr1.isLeader && wr2.isLeader));
});

test("lots", () => {
  const b = new Barrier(100);
  for (let round = 0; round < 10; round++) {
    const waiting = [];
    for (let i = 0; i < 99; i++) {
      const w = spawn(b.wait());
      pending(w.poll());
      waiting.push(w);
    }
    for (const w of waiting) pending(w.poll());
    const last = spawn(b.wait());
    let leaders = ready(last.poll()).isLeader ? 1 : 0;
    for (const w of waiting) if (ready(w.poll()).isLeader) leaders++;
    assert.equal(leaders, 1, `round ${round}: exactly one leader`);
  }
});
