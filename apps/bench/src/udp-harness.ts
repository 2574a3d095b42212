// What every row of the UDP benchmark (udp.bench.ts) shares, raw APIs and Spindle backends alike:
// the loopback address, one host turn, a run's watchdog, the throughput meter and the round-trip
// constants.
import { setImmediate } from "node:timers";

export const HOST = "127.0.0.1";
/** A throughput run ends this long after the last send or arrival, whichever is later. */
export const QUIET_MS = 200;
/** Any run fails after this long. */
export const RUN_LIMIT_MS = 60_000;
/** Round trips per run done before recording. */
export const WARM_ROUND_TRIPS = 200;
/** Bytes of the datagram a round trip sends each way. */
export const RTT_PAYLOAD = 64;

/** One turn of the host event loop. */
export const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Rejects after RUN_LIMIT_MS unless cleared; `onExpire` closes what the run waits on. */
export function watchdog(what: string, onExpire: () => void): { expired: Promise<never>; clear: () => void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onExpire();
      reject(new Error(`${what}: not finished after ${RUN_LIMIT_MS} ms`));
    }, RUN_LIMIT_MS);
  });
  expired.catch(() => {});
  return { expired, clear: () => clearTimeout(timer) };
}

/** What a throughput run counts; the sender and receiver of every row report into it. */
export class Meter {
  readonly n: number;
  sent = 0;
  received = 0;
  start = 0;
  sendEnd = 0;
  firstArrival = 0;
  lastArrival = 0;
  sendErrors = 0;

  constructor(n: number) {
    this.n = n;
  }

  begin(): void {
    this.start = performance.now();
  }

  arrived(): void {
    const now = performance.now();
    if (this.received++ === 0) this.firstArrival = now;
    this.lastArrival = now;
  }

  sendsDone(): void {
    this.sendEnd = performance.now();
  }

  /** Resolves when every datagram arrived or QUIET_MS passed after the last send and arrival. */
  async finished(): Promise<void> {
    for (;;) {
      if (this.received >= this.n) return;
      const now = performance.now();
      if (this.sendEnd > 0 && now - Math.max(this.sendEnd, this.lastArrival) >= QUIET_MS) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/** Microseconds per recorded round trip of one run. */
export type RttRun = Float64Array;
