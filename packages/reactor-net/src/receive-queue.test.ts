import { test } from "node:test";
import assert from "node:assert/strict";
import { ReceiveQueue } from "./receive-queue.ts";
import { SocketAddress } from "./socket-address.ts";

const from = new SocketAddress("127.0.0.1", 9);

test("datagrams come out in arrival order across many wrap-arounds of the ring", () => {
  const queue = new ReceiveQueue(3);
  let pushed = 0;
  let taken = 0;
  for (let round = 0; round < 50; round++) {
    const burst = 1 + (round % 3); // 1, 2 or 3: the head stops at every slot
    for (let i = 0; i < burst; i++) assert.equal(queue.push(Uint8Array.of(pushed++ & 0xff), from), true);
    assert.equal(queue.length, burst);
    while (queue.peekFrom() !== undefined) assert.equal(queue.shift()[0], taken++ & 0xff);
  }
  assert.equal(taken, pushed);
});

test("a full ring refuses the newest datagram and keeps the queued ones in order", () => {
  const queue = new ReceiveQueue(2);
  queue.push(Uint8Array.of(1), from);
  assert.equal(queue.shift()[0], 1); // the head is now at slot 1: the next two wrap around
  assert.equal(queue.push(Uint8Array.of(2), from), true);
  assert.equal(queue.push(Uint8Array.of(3), from), true);
  assert.equal(queue.push(Uint8Array.of(4), from), false);
  assert.deepEqual([queue.shift()[0], queue.shift()[0]], [2, 3]);
  assert.equal(queue.peekFrom(), undefined);
});
