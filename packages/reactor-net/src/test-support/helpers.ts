/**
 * Test support (not published): what the socket tests share — text in and out of datagrams, a
 * plain sleep, a pair of loopback sockets delivering a datagram between them and a Python peer (bounded waits
 * and the counting waker come from @spindle/test-support).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { until } from "@spindle/test-support";
import { NetError, type UdpSocket, type UdpSocketOptions } from "../mod.ts";
import type { Bind } from "./each-backend.ts";

/** UTF-8 bytes of `s`. */
export const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** The UTF-8 text of `b`. */
export const str = (b: Uint8Array): string => new TextDecoder().decode(b);

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether `e` is the NOT_CONNECTED error of a socket without a peer. */
export const notConnected = (e: unknown): boolean => e instanceof NetError && e.code === "NOT_CONNECTED";

/** Two sockets on loopback (`socket` bound with `options`), closed after `body`. */
export async function pair(
  bind: Bind,
  body: (socket: UdpSocket, peer: UdpSocket) => Promise<void>,
  options: UdpSocketOptions = {},
): Promise<void> {
  const socket = await bind("127.0.0.1:0", options);
  const peer = await bind("127.0.0.1:0");
  try {
    await body(socket, peer);
  } finally {
    socket.close();
    peer.close();
  }
}

/** Sends `word` from `peer` to `socket` and waits until it is queued there. */
export async function deliver(peer: UdpSocket, socket: UdpSocket, word: string): Promise<void> {
  const queued = socket.stats().queued;
  assert.equal(peer.trySendTo(text(word), socket.localAddr()), word.length);
  await until(() => socket.stats().queued > queued, `"${word}" to arrive`);
}

/**
 * Runs `body` with the port of a Python peer (`reverse-echo.py`, a UDP peer this project did not
 * write) that answers `replies` datagrams with their bytes reversed, then checks it exited cleanly.
 */
export async function withReverseEcho(replies: number, body: (port: number) => Promise<void>): Promise<void> {
  const script = fileURLToPath(new URL("./reverse-echo.py", import.meta.url));
  const python = spawn("python3", [script, String(replies)], { stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise<number | null>((resolve) => python.on("close", resolve));
  try {
    const port = await new Promise<number>((resolve, reject) => {
      python.stdout.once("data", (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
      python.once("error", reject);
    });
    await body(port);
    assert.equal(await exited, 0);
  } finally {
    python.kill();
  }
}

/** A port on `host` (127.0.0.1 unless given) where nothing listens (bound, then closed). */
export async function closedPort(bind: Bind, host = "127.0.0.1"): Promise<number> {
  const socket = await bind(`${host}:0`);
  const port = socket.localAddr().port;
  socket.close();
  return port;
}
