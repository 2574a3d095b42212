import assert from "node:assert/strict";
import { test } from "node:test";
import { SendChain } from "./send-chain.ts";
import { SocketAddress } from "../socket-address.ts";

const to = SocketAddress.from("127.0.0.1:9");

test("a send chain issues one send at a time, in order, through bursts larger than its ring", async () => {
  const issued: number[] = [];
  const reported: number[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const chain = new SendChain(async (data) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    issued.push(data[0]!);
    await new Promise((resolve) => setTimeout(resolve, 0));
    inFlight--;
  });
  const all: Promise<void>[] = [];
  for (let burst = 0; burst < 3; burst++) {
    for (let i = 0; i < 100; i++) {
      const n = burst * 100 + i;
      all.push(
        new Promise((resolve) =>
          chain.push(new Uint8Array([n % 256]), to, (error) => {
            assert.equal(error, null);
            reported.push(n % 256);
            resolve();
          })
        ),
      );
    }
    await Promise.all(all);
  }
  const expected = Array.from({ length: 300 }, (_, n) => n % 256);
  assert.deepEqual(issued, expected);
  assert.deepEqual(reported, expected);
  assert.equal(maxInFlight, 1);
});

test("a failed send, rejected or thrown, is reported and the chain goes on", async () => {
  const outcomes: string[] = [];
  const chain = new SendChain((data) => {
    if (data[0] === 1) return Promise.reject(new Error("refused"));
    if (data[0] === 2) throw new Error("thrown");
    return Promise.resolve();
  });
  await new Promise<void>((resolve) => {
    for (let n = 0; n < 4; n++) {
      chain.push(new Uint8Array([n]), to, (error) => {
        outcomes.push(error == null ? "sent" : error.message);
        if (n === 3) resolve();
      });
    }
  });
  assert.deepEqual(outcomes, ["sent", "refused", "thrown", "sent"]);
});
