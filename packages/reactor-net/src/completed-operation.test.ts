import assert from "node:assert/strict";
import { Context, PENDING, SpindleError } from "@spindle/core";
import { until } from "@spindle/test-support";
import { WOULD_BLOCK } from "./mod.ts";
import { text } from "./test-support/helpers.ts";
import { eachBackend } from "./test-support/each-backend.ts";

const completed = (e: unknown): boolean => e instanceof SpindleError && e.code === "FUTURE_COMPLETED";

eachBackend("a completed recvFrom polled again throws FUTURE_COMPLETED and takes no second datagram", async (bind) => {
  const socket = await bind("127.0.0.1:0");
  const peer = await bind("127.0.0.1:0");
  try {
    peer.trySendTo(text("one"), socket.localAddr());
    peer.trySendTo(text("two"), socket.localAddr());
    const cx = Context.noop();
    const recv = socket.recvFrom();
    let got = recv.poll(cx);
    await until(() => (got = got === PENDING ? recv.poll(cx) : got) !== PENDING, "the first datagram", 5_000);
    assert.notEqual(got, PENDING);
    assert.throws(() => recv.poll(cx), completed);
    // The second datagram is still there for the next receive (it used to be taken by the re-poll).
    let second: unknown = WOULD_BLOCK;
    await until(() => (second = socket.tryRecvFrom()) !== WOULD_BLOCK, "the second datagram", 5_000);
    assert.notEqual(second, WOULD_BLOCK);
  } finally {
    socket.close();
    peer.close();
  }
});
