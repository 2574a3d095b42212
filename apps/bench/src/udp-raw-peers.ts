// The raw peers of the UDP benchmark (udp.bench.ts): each runtime's own UDP APIs, used the way a
// program without Spindle would use them, for one-way throughput and for round trips. The first
// API of RAW_APIS is the runtime's fastest, the peer of every ratio.
//   - node:dgram: `send(data, port, host, callback)` with at most WINDOW sends in flight; the
//     `message` event receives.
//   - Bun.udpSocket: `send()` until it returns false (would-block), then wait for `drain`; the
//     `data` handler receives.
//   - Deno.listenDatagram (needs --unstable-net): `await conn.send()` per datagram, a loop of
//     `await receive(buffer)`.
import dgram from "node:dgram";
import { runtime } from "./harness.ts";
import { HOST, type Meter, RTT_PAYLOAD, type RttRun, turn, WARM_ROUND_TRIPS, watchdog } from "./udp-harness.ts";
import type { Pacing } from "./udp.section.ts";

declare const Deno:
  | {
    version: { deno: string; v8: string };
    listenDatagram?: (options: { transport: "udp"; hostname: string; port: number }) => DenoDatagramConn;
  }
  | undefined;
declare const Bun:
  | { version: string; gc(force: boolean): void; udpSocket(options: unknown): Promise<BunUdpSocket> }
  | undefined;

interface DenoNetAddr {
  transport: "udp";
  hostname: string;
  port: number;
}
interface DenoDatagramConn {
  readonly addr: DenoNetAddr;
  receive(buffer?: Uint8Array): Promise<[Uint8Array, DenoNetAddr]>;
  send(data: Uint8Array, to: DenoNetAddr): Promise<number>;
  close(): void;
}
interface BunUdpSocket {
  readonly port: number;
  send(data: Uint8Array, port: number, address: string): boolean;
  close(): void;
}

/** A raw UDP API. */
export type RawApi = "node:dgram" | "Bun.udpSocket" | "Deno.listenDatagram";

/** The raw APIs of this runtime, its fastest first (the peer of every ratio). */
export const RAW_APIS: RawApi[] = runtime.name === "bun"
  ? ["Bun.udpSocket", "node:dgram"]
  : runtime.name === "deno"
  ? ["Deno.listenDatagram", "node:dgram"]
  : ["node:dgram"];

/** Why `api` cannot run in this process, or null. */
export function rawUnavailable(api: RawApi): string | null {
  if (api === "Deno.listenDatagram" && typeof Deno?.listenDatagram !== "function") {
    return "Deno.listenDatagram needs --unstable-net";
  }
  return null;
}

/** Raw node:dgram sends in flight at most (Spindle's default `sendWindow`). */
export const WINDOW = 64;

async function dgramBind(): Promise<dgram.Socket> {
  const socket = dgram.createSocket("udp4");
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(0, HOST, () => {
      socket.off("error", reject);
      resolve();
    });
  });
  return socket;
}

async function rawDgramThroughput(meter: Meter, size: number, pacing: Pacing, batch: number): Promise<void> {
  const rx = await dgramBind();
  const tx = await dgramBind();
  const port = rx.address().port;
  rx.on("message", () => meter.arrived());
  const payload = new Uint8Array(size);
  let inFlight = 0;
  let resume: (() => void) | null = null;
  const done = (error: Error | null): void => {
    inFlight--;
    if (error) meter.sendErrors++;
    const r = resume;
    resume = null;
    r?.();
  };
  const dog = watchdog("raw node:dgram throughput", () => {
    rx.close();
    tx.close();
  });
  try {
    const send = async (): Promise<void> => {
      meter.begin();
      let sinceTurn = 0;
      for (let i = 0; i < meter.n; i++) {
        while (inFlight >= WINDOW) await new Promise<void>((resolve) => (resume = resolve));
        inFlight++;
        tx.send(payload, port, HOST, done);
        meter.sent++;
        if (pacing === "turn" && ++sinceTurn === batch) {
          sinceTurn = 0;
          await turn();
        }
      }
      meter.sendsDone();
    };
    await Promise.race([Promise.all([send(), meter.finished()]), dog.expired]);
  } finally {
    dog.clear();
    rx.close();
    tx.close();
  }
}

async function rawBunThroughput(meter: Meter, size: number, pacing: Pacing, batch: number): Promise<void> {
  let resume: (() => void) | null = null;
  const rx = await Bun!.udpSocket({ hostname: HOST, port: 0, socket: { data: () => meter.arrived() } });
  const tx = await Bun!.udpSocket({
    hostname: HOST,
    port: 0,
    socket: {
      drain: () => {
        const r = resume;
        resume = null;
        r?.();
      },
    },
  });
  const payload = new Uint8Array(size);
  const dog = watchdog("raw Bun.udpSocket throughput", () => {
    rx.close();
    tx.close();
  });
  try {
    const send = async (): Promise<void> => {
      meter.begin();
      let sinceTurn = 0;
      for (let i = 0; i < meter.n;) {
        if (!tx.send(payload, rx.port, HOST)) {
          await new Promise<void>((resolve) => (resume = resolve));
          continue;
        }
        i++;
        meter.sent++;
        if (pacing === "turn" && ++sinceTurn === batch) {
          sinceTurn = 0;
          await turn();
        }
      }
      meter.sendsDone();
    };
    await Promise.race([Promise.all([send(), meter.finished()]), dog.expired]);
  } finally {
    dog.clear();
    rx.close();
    tx.close();
  }
}

async function rawDenoThroughput(meter: Meter, size: number, pacing: Pacing, batch: number): Promise<void> {
  const listen = Deno!.listenDatagram!;
  const rx = listen({ transport: "udp", hostname: HOST, port: 0 });
  const tx = listen({ transport: "udp", hostname: HOST, port: 0 });
  const to: DenoNetAddr = { transport: "udp", hostname: HOST, port: rx.addr.port };
  const payload = new Uint8Array(size);
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    rx.close();
    tx.close();
  };
  const dog = watchdog("raw Deno.listenDatagram throughput", close);
  const receiving = (async () => {
    const buffer = new Uint8Array(65_536);
    try {
      for (;;) {
        await rx.receive(buffer);
        meter.arrived();
      }
    } catch (error) {
      if (!closed) throw error;
    }
  })();
  try {
    const send = async (): Promise<void> => {
      meter.begin();
      let sinceTurn = 0;
      for (let i = 0; i < meter.n; i++) {
        await tx.send(payload, to);
        meter.sent++;
        if (pacing === "turn" && ++sinceTurn === batch) {
          sinceTurn = 0;
          await turn();
        }
      }
      meter.sendsDone();
    };
    await Promise.race([Promise.all([send(), meter.finished()]), dog.expired]);
  } finally {
    dog.clear();
    close();
    await receiving;
  }
}

/**
 * One throughput run of `api`: `meter.n` datagrams of `size` bytes from one socket to another,
 * paced by `pacing` (with `turn`, one host turn every `batch` datagrams), counted by `meter`.
 */
export function rawThroughput(api: RawApi, meter: Meter, size: number, pacing: Pacing, batch: number): Promise<void> {
  if (api === "node:dgram") return rawDgramThroughput(meter, size, pacing, batch);
  if (api === "Bun.udpSocket") return rawBunThroughput(meter, size, pacing, batch);
  return rawDenoThroughput(meter, size, pacing, batch);
}

async function rawDgramRtt(n: number): Promise<RttRun> {
  const server = await dgramBind();
  const client = await dgramBind();
  const port = server.address().port;
  const times = new Float64Array(n);
  const total = n + WARM_ROUND_TRIPS;
  const payload = new Uint8Array(RTT_PAYLOAD);
  server.on("message", (data, from) => server.send(data, from.port, from.address));
  const dog = watchdog("raw node:dgram round trips", () => {
    server.close();
    client.close();
  });
  try {
    const done = new Promise<void>((resolve) => {
      let i = 0;
      let sentAt = 0;
      client.on("message", () => {
        const at = i++ - WARM_ROUND_TRIPS;
        if (at >= 0) times[at] = (performance.now() - sentAt) * 1000;
        if (i === total) return resolve();
        sentAt = performance.now();
        client.send(payload, port, HOST);
      });
      sentAt = performance.now();
      client.send(payload, port, HOST);
    });
    await Promise.race([done, dog.expired]);
  } finally {
    dog.clear();
    server.close();
    client.close();
  }
  return times;
}

async function rawBunRtt(n: number): Promise<RttRun> {
  const times = new Float64Array(n);
  const total = n + WARM_ROUND_TRIPS;
  const payload = new Uint8Array(RTT_PAYLOAD);
  let i = 0;
  let sentAt = 0;
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => (finish = resolve));
  const server = await Bun!.udpSocket({
    hostname: HOST,
    port: 0,
    socket: {
      data: (socket: BunUdpSocket, data: Uint8Array, port: number, address: string) => socket.send(data, port, address),
    },
  });
  const client = await Bun!.udpSocket({
    hostname: HOST,
    port: 0,
    socket: {
      data: (socket: BunUdpSocket) => {
        const at = i++ - WARM_ROUND_TRIPS;
        if (at >= 0) times[at] = (performance.now() - sentAt) * 1000;
        if (i === total) return finish();
        sentAt = performance.now();
        socket.send(payload, server.port, HOST);
      },
    },
  });
  const dog = watchdog("raw Bun.udpSocket round trips", () => {
    server.close();
    client.close();
  });
  try {
    sentAt = performance.now();
    client.send(payload, server.port, HOST);
    await Promise.race([done, dog.expired]);
  } finally {
    dog.clear();
    server.close();
    client.close();
  }
  return times;
}

async function rawDenoRtt(n: number): Promise<RttRun> {
  const listen = Deno!.listenDatagram!;
  const server = listen({ transport: "udp", hostname: HOST, port: 0 });
  const client = listen({ transport: "udp", hostname: HOST, port: 0 });
  const to: DenoNetAddr = { transport: "udp", hostname: HOST, port: server.addr.port };
  const times = new Float64Array(n);
  const total = n + WARM_ROUND_TRIPS;
  const payload = new Uint8Array(RTT_PAYLOAD);
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    server.close();
    client.close();
  };
  const dog = watchdog("raw Deno.listenDatagram round trips", close);
  const echo = (async () => {
    const buffer = new Uint8Array(65_536);
    try {
      for (let i = 0; i < total; i++) {
        const [data, from] = await server.receive(buffer);
        await server.send(data, from);
      }
    } catch (error) {
      if (!closed) throw error;
    }
  })();
  const ask = async (): Promise<void> => {
    const buffer = new Uint8Array(65_536);
    for (let i = 0; i < total; i++) {
      const sentAt = performance.now();
      await client.send(payload, to);
      await client.receive(buffer);
      const at = i - WARM_ROUND_TRIPS;
      if (at >= 0) times[at] = (performance.now() - sentAt) * 1000;
    }
  };
  try {
    await Promise.race([Promise.all([ask(), echo]), dog.expired]);
  } finally {
    dog.clear();
    close();
  }
  return times;
}

/** One round-trip run of `api`: `n` recorded exchanges (after WARM_ROUND_TRIPS), in microseconds. */
export function rawRtt(api: RawApi, n: number): Promise<RttRun> {
  if (api === "node:dgram") return rawDgramRtt(n);
  if (api === "Bun.udpSocket") return rawBunRtt(n);
  return rawDenoRtt(n);
}
