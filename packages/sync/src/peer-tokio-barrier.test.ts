// tokio's tests/sync_barrier.rs, ported onto the public API (PEER-TESTS-LOCKS.md maps each test).
import assert from "node:assert/strict";
import { test } from "node:test";
import { Barrier, type BarrierWaitResult } from "@spindle/sync";
import { type PeerTask, spawn } from "./test-support/peer-task.ts";

test("tokio sync_barrier zero_does_not_block: a barrier of 0 releases each wait at once, as its leader", () => {
  const b = new Barrier(0);
  for (let round = 0; round < 2; round++) assert.ok(spawn(b.wait()).ready().isLeader);
});

test("tokio sync_barrier single", () => {
  const b = new Barrier(1);
  for (let round = 0; round < 3; round++) assert.ok(spawn(b.wait()).ready().isLeader);
});

test("tokio sync_barrier tango: exactly one of two is the leader", () => {
  const b = new Barrier(2);
  const w1 = spawn(b.wait());
  w1.pending();
  const wr2 = spawn(b.wait()).ready();
  const wr1 = w1.ready();
  assert.ok(wr1.isLeader || wr2.isLeader);
  assert.ok(!(wr1.isLeader && wr2.isLeader));
});

test("tokio sync_barrier lots: 10 rounds of 100, one leader each", () => {
  const b = new Barrier(100);
  for (let round = 0; round < 10; round++) {
    const wait: PeerTask<BarrierWaitResult>[] = [];
    for (let i = 0; i < 99; i++) {
      const w = spawn(b.wait());
      w.pending();
      wait.push(w);
    }
    for (const w of wait) w.pending();
    let foundLeader = spawn(b.wait()).ready().isLeader;
    for (const w of wait) {
      if (w.ready().isLeader) {
        assert.ok(!foundLeader);
        foundLeader = true;
      }
    }
    assert.ok(foundLeader);
  }
});
