// Thread bodies that several crossbeam ports share (`common.<what>`): a thread that sends given
// values, one that receives and checks them, one that only drops the end it was given.
import assert from "node:assert/strict";
import { PENDING, STREAM_END } from "@spindle/core";
import {
  SendError,
  SharedReceiver,
  type SharedReceiverHandle,
  SharedSender,
  type SharedSenderHandle,
} from "@spindle/sync";
import { sleep } from "./sleep.ts";

/** `common.send`: after `sleepMs`, sends each of `values` (blocking; each must go through), then drops its end. */
export interface SendData<T> {
  readonly s: SharedSenderHandle<T>;
  readonly values: readonly T[];
  readonly sleepMs?: number;
}

/**
 * `common.recv`: receives (blocking) and checks each of `values`; with `thenEnd`, then STREAM_END;
 * drops its end.
 */
export interface RecvData<T> {
  readonly r: SharedReceiverHandle<T>;
  readonly values: readonly T[];
  readonly thenEnd?: boolean;
}

/** `common.drop`: after `sleepMs`, opens the end it was given and drops it (a Rust `drop(end)` in a thread). */
export interface DropData {
  readonly s?: SharedSenderHandle<unknown>;
  readonly r?: SharedReceiverHandle<unknown>;
  readonly sleepMs?: number;
}

/** `common.sendUntilError`: sends `value` until the send fails with SendError (every receiver gone). */
export interface SendUntilErrorData<T> {
  readonly s: readonly SharedSenderHandle<T>[];
  readonly value: T;
}

export const commonBodies = {
  "common.send"(data: unknown): void {
    const { s, values, sleepMs } = data as SendData<unknown>;
    const tx = SharedSender.from(s);
    if (sleepMs !== undefined) sleep(sleepMs);
    for (const value of values) assert.equal(tx.sendBlocking(value), true);
    tx.drop();
  },
  "common.recv"(data: unknown): void {
    const { r, values, thenEnd } = data as RecvData<unknown>;
    const rx = SharedReceiver.from(r);
    for (const value of values) assert.deepEqual(rx.recvBlocking(), value);
    if (thenEnd) assert.equal(rx.recvBlocking(), STREAM_END);
    rx.drop();
  },
  "common.drop"(data: unknown): void {
    const { s, r, sleepMs } = data as DropData;
    const end = s !== undefined ? SharedSender.from(s) : SharedReceiver.from(r!);
    if (sleepMs !== undefined) sleep(sleepMs);
    end.drop();
  },
  "common.recvEnd"(data: unknown): void {
    const rx = SharedReceiver.from((data as { r: SharedReceiverHandle<unknown> }).r);
    assert.equal(rx.recvBlocking(), STREAM_END);
    rx.drop();
  },
  "common.sendUntilError"(data: unknown): void {
    const { s, value } = data as SendUntilErrorData<unknown>;
    const senders = s.map((handle) => SharedSender.from(handle));
    try {
      for (;;) for (const tx of senders) tx.sendBlocking(value);
    } catch (e) {
      if (!(e instanceof SendError)) throw e;
    }
    for (const tx of senders) tx.drop();
  },
  "common.recvOne"(data: unknown): void {
    const rx = SharedReceiver.from((data as { r: SharedReceiverHandle<unknown> }).r);
    const got = rx.recvBlocking();
    assert.ok(got !== STREAM_END && got !== PENDING, "a value");
    rx.drop();
  },
};
