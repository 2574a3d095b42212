// A receive into a caller's buffer whose ArrayBuffer was detached (transferred) while it waited:
// it fails with INVALID_ARGUMENT naming the operation, and the datagram stays queued for the next
// receive (it used to be taken first and then lost when the copy threw).
import assert from "node:assert/strict";
import { Context, PENDING, SpindleError } from "@spindle/core";
import { until } from "@spindle/test-support";
import { type Datagram, WOULD_BLOCK } from "./mod.ts";
import { text } from "./test-support/helpers.ts";
import { eachBackend } from "./test-support/each-backend.ts";

const detachedError = (operation: string) => (e: unknown): boolean =>
  e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && e.message.includes(`${operation}(buffer)`) &&
  e.message.includes("detached");

/** Detaches `view`'s buffer, as a transfer to a worker does. */
function detach(view: Uint8Array): void {
  structuredClone(view.buffer, { transfer: [view.buffer as ArrayBuffer] });
  assert.equal(view.byteLength, 0);
}

eachBackend("a receive into a buffer detached while it waited fails and takes no datagram", async (bind) => {
  const socket = await bind("127.0.0.1:0");
  const peer = await bind("127.0.0.1:0");
  try {
    peer.connect(socket.localAddr());
    const cx = Context.noop();
    const buffer = new Uint8Array(16);
    const recv = socket.recvFrom(buffer);
    assert.equal(recv.poll(cx), PENDING);
    detach(buffer);
    peer.trySendTo(text("kept"), socket.localAddr());
    let failure: unknown;
    await until(
      () => {
        try {
          return recv.poll(cx) !== PENDING;
        } catch (error) {
          failure = error;
          return true;
        }
      },
      "the receive to finish",
      5_000,
    );
    assert.ok(detachedError("recvFrom")(failure), String(failure));
    // The datagram is still there for the next receive.
    let next: unknown = WOULD_BLOCK;
    await until(() => (next = socket.tryRecvFrom()) !== WOULD_BLOCK, "the datagram", 5_000);
    assert.equal(new TextDecoder().decode((next as Datagram).data), "kept");
    // A try form refuses a detached buffer at once, and takes nothing either.
    peer.trySendTo(text("again"), socket.localAddr());
    await until(() => socket.stats().queued === 1, "the second datagram queued", 5_000);
    assert.throws(() => socket.tryPeekFrom(buffer), detachedError("tryPeekFrom"));
    assert.equal(socket.stats().queued, 1);
  } finally {
    socket.close();
    peer.close();
  }
});

eachBackend(
  "a send of a Uint8Array whose buffer was detached is INVALID_ARGUMENT, not an empty datagram",
  async (bind) => {
    // trySendTo, sendTo and send sent an empty datagram: a detached view reads as empty.
    const socket = await bind("127.0.0.1:0");
    const peer = await bind("127.0.0.1:0");
    try {
      const to = peer.localAddr();
      await socket.connect(to);
      const detached = () => {
        const data = text("lost");
        detach(data);
        return data;
      };
      const named = (e: unknown): boolean =>
        e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && e.message.includes("the datagram") &&
        e.message.includes("detached");
      assert.throws(() => socket.trySendTo(detached(), to), named);
      assert.throws(() => socket.trySend(detached()), named);
      assert.throws(() => socket.sendTo(detached(), to), named);
      assert.throws(() => socket.send(detached()), named);
      assert.throws(() => socket.pollSendTo(Context.noop(), detached(), to), named);
      // An empty datagram that was never detached is still sent.
      assert.equal(socket.trySendTo(new Uint8Array(0), to), 0);
      await until(() => peer.stats().queued + peer.stats().delivered >= 1, "the empty datagram", 5_000);
      assert.equal(socket.stats().sent + socket.stats().sendErrors, 1);
    } finally {
      socket.close();
      peer.close();
    }
  },
);
