import { test } from "node:test";
import assert from "node:assert/strict";
import { CopyPool } from "./copy-pool.ts";

test("a copy keeps its bytes when the receive buffer is overwritten", () => {
  const pool = new CopyPool();
  const buffer = new Uint8Array(64);
  const copies: Uint8Array[] = [];
  for (let i = 0; i < 1000; i++) {
    buffer.fill(i & 0xff);
    copies.push(pool.copy(buffer.subarray(0, 1 + (i % 60))));
  }
  copies.forEach((copy, i) => {
    assert.equal(copy.byteLength, 1 + (i % 60));
    assert.ok(copy.every((byte) => byte === (i & 0xff)), `copy ${i} changed`);
  });
});

test("small copies share a pool, aligned to 8 bytes; a full pool is replaced", () => {
  const pool = new CopyPool();
  const a = pool.copy(new Uint8Array(3));
  const b = pool.copy(new Uint8Array(5));
  assert.equal(a.buffer, b.buffer);
  assert.equal(b.byteOffset, 8);
  const filler = new Uint8Array(4096);
  let last = b;
  for (let i = 0; i < 4; i++) last = pool.copy(filler);
  assert.notEqual(last.buffer, a.buffer, "the fourth 4 KiB copy does not fit the first pool");
  assert.equal(last.byteOffset, 0);
});

test("a copy over 4 KiB gets its own buffer", () => {
  const big = new Uint8Array(4097).fill(7);
  const copy = new CopyPool().copy(big);
  assert.equal(copy.byteOffset, 0);
  assert.equal(copy.buffer.byteLength, 4097);
  assert.deepEqual(copy, big);
});
