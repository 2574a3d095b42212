import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type Coroutine,
  LocalExecutor,
  next,
  SpindleError,
  STREAM_END,
  take,
  toAsyncIterable,
  toPromise,
} from "@spindle/core";
import { datagrams, UdpSocket } from "./mod.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** `promise`, or a failure naming `what` after `ms` (a bound on a loaded 2-vCPU machine). */
async function within<T>(promise: Promise<T>, what: string, ms = 5_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((
    _,
    reject,
  ) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

test("for await over a UDP socket's datagrams (the runtime's default backend)", async () => {
  const receiver = await UdpSocket.bind("127.0.0.1:0");
  const sender = await UdpSocket.bind("127.0.0.1:0");
  try {
    const received: string[] = [];
    const loop = (async () => {
      for await (const datagram of toAsyncIterable(take(datagrams(receiver), 3))) {
        received.push(decoder.decode(datagram.data));
        assert.equal(datagram.from.port, sender.localAddr().port);
      }
    })();
    for (const word of ["one", "two", "three"]) {
      await toPromise(sender.sendTo(encoder.encode(word), receiver.localAddr()));
    }
    await within(loop, "three datagrams");
    assert.deepEqual(received.sort(), ["one", "three", "two"]);
  } finally {
    sender.close();
    receiver.close();
  }
});

test("dropping the stream loses no datagram and leaves the socket open; closing the socket ends the stream", async () => {
  const receiver = await UdpSocket.bind("127.0.0.1:0", { backend: "node:dgram" });
  const sender = await UdpSocket.bind("127.0.0.1:0", { backend: "node:dgram" });
  try {
    const first = datagrams(receiver);
    function* one(): Coroutine<string> {
      const item = yield* next(first);
      return item === STREAM_END ? "end" : decoder.decode(item.data);
    }
    const executor = new LocalExecutor();
    const a = executor.spawn(one());
    const run = executor.run();
    await toPromise(sender.sendTo(encoder.encode("a"), receiver.localAddr()));
    assert.equal(await within(Promise.resolve(a), "the first datagram"), "a");
    await run;
    first[Symbol.dispose]();
    assert.equal(receiver.isClosed, false);
    await toPromise(sender.sendTo(encoder.encode("b"), receiver.localAddr()));
    const second = datagrams(receiver);
    const b = executor.spawn(next(second));
    assert.equal(
      decoder.decode(((await within(Promise.resolve(b), "the second datagram")) as { data: Uint8Array }).data),
      "b",
    );
    const end = executor.spawn(next(second));
    await new Promise((resolve) => setTimeout(resolve, 5));
    receiver.close();
    assert.equal(await within(Promise.resolve(end), "the end of the stream"), STREAM_END);
  } finally {
    sender.close();
    receiver.close();
  }
});

test("bad input: datagrams() of a non-socket names the value", () => {
  assert.throws(
    () => datagrams({} as never),
    (e) => e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && /an object/.test(e.message),
  );
});
