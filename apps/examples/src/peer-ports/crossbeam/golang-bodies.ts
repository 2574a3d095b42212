// The goroutines of crossbeam-channel's tests/golang.rs (crossbeam_golang.test.ts), each a body
// run by a worker thread of `thread.ts`. A Go channel is a sharedChannel whose two handles a
// goroutine opens (`GoChan`); Go's `close(c)` is `close()`, which closes it for every thread; a
// `select!` is core's `race` over the ends' futures on a LocalExecutor of the goroutine's thread
// (`onThreadExecutor`), and a `select!` with `default` is the try-calls in order.
import assert from "node:assert/strict";
import { type Coroutine, type Future, LocalExecutor, PENDING, race, STREAM_END } from "@spindle/core";
import { SharedReceiver, type SharedReceiverHandle, SharedSender, type SharedSenderHandle } from "@spindle/sync";
import { sleep } from "./sleep.ts";

/** A Go channel as a goroutine gets it: handles of both ends. */
export interface GoChanHandles<T> {
  readonly s: SharedSenderHandle<T>;
  readonly r: SharedReceiverHandle<T>;
}

/** Both ends of a Go channel, opened on this thread. */
class GoChan<T> {
  readonly s: SharedSender<T>;
  readonly r: SharedReceiver<T>;
  constructor(handles: GoChanHandles<T>) {
    this.s = SharedSender.from(handles.s);
    this.r = SharedReceiver.from(handles.r);
  }
  /** The Rust `Chan::recv`: the value, or undefined once closed and drained. */
  recv(): T | undefined {
    const got = this.r.recvBlocking();
    return got === STREAM_END || got === PENDING ? undefined : got;
  }
  drop(): void {
    this.s.drop();
    this.r.drop();
  }
}

async function onThreadExecutor<T>(body: Future<T> | Coroutine<T>): Promise<T> {
  const executor = new LocalExecutor();
  const handle = executor.spawn(body);
  await executor.run();
  return await handle;
}

/** `future` tagged with `tag` once it completes (a `select!` branch). */
function* branch<T, K>(tag: K, future: Future<T>): Coroutine<[K, T]> {
  return [tag, yield* future];
}

type H<T> = GoChanHandles<T>;

/** ken/chan.go: messages per channel (values `base` to `base + 75`), and the mark after the last. */
const MESSAGES_PER_CHANNEL = 76;
const MESSAGES_RANGE_LEN = 100;
const END = 10_000;

/** ken/chan.go's `expect`: the value after `v`, which must be `v0` (END after the last). */
function expectNext(v: number, v0: number): number {
  assert.equal(v0, v, `got ${v0}, expected ${v}`);
  return v % MESSAGES_RANGE_LEN === MESSAGES_PER_CHANNEL - 1 ? END : v + 1;
}

/** ken/chan.go's shared words: `[tots, totr]` and its `randx`. */
export interface KenShared {
  readonly tot: Int32Array<SharedArrayBuffer>;
  readonly randx: Int32Array<SharedArrayBuffer>;
}

/** ken/chan.go's `nrand(n)`: one step of a generator every goroutine shares (its Mutex is a CAS loop). */
function nrand(n: number, randx: Int32Array<SharedArrayBuffer>): number {
  for (;;) {
    const seen = Atomics.load(randx, 0);
    let next = seen + 10007;
    if (next >= 1_000_000) next -= 1_000_000;
    if (Atomics.compareExchange(randx, 0, seen, next) === seen) return next % n;
  }
}

/** A channel of ken/chan.go as one of its goroutines uses it: its handles and first value. */
export interface KenChan {
  readonly c: H<number>;
  readonly first: number;
}

export const golangBodies = {
  async "golang.doubleselect.sender"(data: unknown): Promise<void> {
    const { n, cs } = data as { n: number; cs: H<number>[] };
    const chans = cs.map((c) => new GoChan(c));
    try {
      await onThreadExecutor(function* (): Coroutine<void> {
        for (let i = 0; i < n; i++) yield* race(chans.map((c) => c.s.send(i)));
      }());
    } finally {
      for (const c of chans) c.s.close(); // defer close_s
      for (const c of chans) c.drop();
    }
  },
  "golang.doubleselect.mux"(data: unknown): void {
    const { out, inp, done } = data as { out: H<number>; inp: H<number>; done: H<boolean> };
    const [o, i, d] = [new GoChan(out), new GoChan(inp), new GoChan(done)];
    for (let v; (v = i.recv()) !== undefined;) o.s.sendBlocking(v);
    d.s.sendBlocking(true);
    for (const c of [o, i, d]) c.drop();
  },
  "golang.doubleselect.closer"(data: unknown): void {
    const { done, cmux } = data as { done: H<boolean>; cmux: H<number> };
    const [d, m] = [new GoChan(done), new GoChan(cmux)];
    for (let k = 0; k < 4; k++) d.recv();
    m.s.close();
    d.drop();
    m.drop();
  },

  "golang.synch_fifo.chain"(data: unknown): void {
    const { ch, val, inp, out } = data as { ch: H<number>; val: number; inp: H<number>; out: H<number> };
    const [c, i, o] = [new GoChan(ch), new GoChan(inp), new GoChan(out)];
    i.recv();
    assert.equal(c.recv(), val);
    o.s.sendBlocking(1);
    for (const x of [c, i, o]) x.drop();
  },

  "golang.goroutines.f"(data: unknown): void {
    const { left, right } = data as { left: H<number>; right: H<number> };
    const [l, r] = [new GoChan(left), new GoChan(right)];
    const v = r.recv();
    assert.notEqual(v, undefined);
    l.s.sendBlocking(v!);
    l.drop();
    r.drop();
  },

  /** nonblock's `…receiver`: receives `expect`, then strobes. */
  "golang.nonblock.receiver"(data: unknown): void {
    const { c, strobe, expect } = data as { c: H<unknown>; strobe: H<boolean>; expect: unknown };
    const [ch, st] = [new GoChan(c), new GoChan(strobe)];
    assert.deepEqual(ch.recv(), expect);
    st.s.sendBlocking(true);
    ch.drop();
    st.drop();
  },
  /** nonblock's `…sender`: sends `value`, then strobes. */
  "golang.nonblock.sender"(data: unknown): void {
    const { c, strobe, value } = data as { c: H<unknown>; strobe: H<boolean>; value: unknown };
    const [ch, st] = [new GoChan(c), new GoChan(strobe)];
    ch.s.sendBlocking(value);
    st.s.sendBlocking(true);
    ch.drop();
    st.drop();
  },

  "golang.recv"(data: unknown): void {
    const c = new GoChan((data as { c: H<unknown> }).c);
    c.recv();
    c.drop();
  },
  "golang.send"(data: unknown): void {
    const { c, value } = data as { c: H<unknown>; value: unknown };
    const ch = new GoChan(c);
    ch.s.sendBlocking(value);
    ch.drop();
  },
  /** Receives from `c`, then sets `flag[0]` to 1 (`*recv1.lock().unwrap() = true`). */
  "golang.recvThenFlag"(data: unknown): void {
    const { c, flag } = data as { c: H<unknown>; flag: Int32Array<SharedArrayBuffer> };
    const ch = new GoChan(c);
    ch.recv();
    Atomics.store(flag, 0, 1); // read by the test thread with Atomics.load
    ch.drop();
  },
  "golang.sendThenFlag"(data: unknown): void {
    const { c, flag } = data as { c: H<number>; flag: Int32Array<SharedArrayBuffer> };
    const ch = new GoChan(c);
    ch.s.sendBlocking(0);
    Atomics.store(flag, 0, 1);
    ch.drop();
  },
  /** test_chan's "close unblocks receive": `done.send(c.try_recv().is_none())`. */
  "golang.tryRecvIsNone"(data: unknown): void {
    const { c, done } = data as { c: H<number>; done: H<boolean> };
    const [ch, d] = [new GoChan(c), new GoChan(done)];
    const v = ch.r.tryRecv();
    d.s.sendBlocking(v === PENDING || v === STREAM_END);
    ch.drop();
    d.drop();
  },
  "golang.sendCount"(data: unknown): void {
    const { c, count } = data as { c: H<number>; count: number };
    const ch = new GoChan(c);
    for (let i = 0; i < count; i++) ch.s.sendBlocking(i);
    ch.drop();
  },

  "golang.select6.selector"(data: unknown): Promise<void> {
    const { c1, c2, c3 } = data as { c1: H<boolean>; c2: H<boolean>; c3: H<boolean> };
    const [a, b, c] = [new GoChan(c1), new GoChan(c2), new GoChan(c3)];
    return onThreadExecutor(function* (): Coroutine<void> {
      const [which] = yield* race([branch(1, a.r.recv()), branch(2, b.r.recv())]);
      assert.equal(which, 2, "dummy");
      yield* c.s.send(true);
      yield* a.r.recv();
      for (const x of [a, b, c]) x.drop();
    }());
  },

  /** select7's receivers: `kind` 1 is `c.recv()`, 2 a select of it alone, 3 a select of it and an empty channel. */
  "golang.select7.recv"(data: unknown): Promise<void> | void {
    const { c, kind, c2 } = data as { c: H<number>; kind: 1 | 2 | 3; c2: H<number> };
    const ch = new GoChan(c);
    if (kind === 1) {
      assert.notEqual(ch.recv(), undefined);
      ch.drop();
      return;
    }
    const other = new GoChan(c2);
    return onThreadExecutor(function* (): Coroutine<void> {
      yield* race(kind === 2 ? [ch.r.recv()] : [ch.r.recv(), other.r.recv()]);
      ch.drop();
      other.drop();
    }());
  },

  "golang.test_nonblock_recv_race.thread"(data: unknown): void {
    const c = new GoChan((data as { c: H<number> }).c);
    // select! { recv(c) => {}, default => panic }: a value or the end, never "not ready".
    assert.notEqual(c.r.tryRecv(), PENDING, "chan is not ready");
    c.drop();
  },
  "golang.test_nonblock_select_race.thread"(data: unknown): void {
    const { c1, c2, done } = data as { c1: H<number>; c2: H<number>; done: H<boolean> };
    const [a, b, d] = [new GoChan(c1), new GoChan(c2), new GoChan(done)];
    // select! over two receives with a default: the first ready in order, else the default.
    const ready = a.r.tryRecv() !== PENDING || b.r.tryRecv() !== PENDING;
    d.s.sendBlocking(ready);
    for (const x of [a, b, d]) x.drop();
  },

  "golang.test_self_select.thread"(data: unknown): Promise<void> {
    const { c, p, n } = data as { c: H<number>; p: number; n: number };
    const ch = new GoChan(c);
    return onThreadExecutor(function* (): Coroutine<void> {
      for (let i = 0; i < n; i++) {
        const send = ch.s.send(p);
        const recv = ch.r.recv();
        yield* race(p === 0 || i % 2 === 0 ? [send, recv] : [recv, send]);
      }
      ch.drop();
    }());
  },

  "golang.test_select_stress.send"(data: unknown): void {
    const { c, n } = data as { c: H<number>; n: number };
    const ch = new GoChan(c);
    for (let i = 0; i < n; i++) ch.s.sendBlocking(0);
    ch.drop();
  },
  "golang.test_select_stress.recv"(data: unknown): void {
    const { c, n } = data as { c: H<number>; n: number };
    const ch = new GoChan(c);
    for (let i = 0; i < n; i++) ch.recv();
    ch.drop();
  },
  /** One select over the receives (`recv`) or sends of every channel not done with its `n` yet. */
  "golang.test_select_stress.select"(data: unknown): Promise<void> {
    const { cs, n, side, order } = data as { cs: H<number>[]; n: number; side: "recv" | "send"; order: number[] };
    const chans = cs.map((c) => new GoChan(c));
    return onThreadExecutor(function* (): Coroutine<void> {
      const counts = [0, 0, 0, 0];
      for (let k = 0; k < 4 * n; k++) {
        const live = order.filter((i) => counts[i]! < n);
        const [index] = yield* race(
          live.map((i) => side === "recv" ? branch(i, chans[i]!.r.recv()) : branch(i, chans[i]!.s.send(0))),
        );
        counts[index]!++;
      }
      assert.deepEqual(counts, [n, n, n, n]);
      for (const c of chans) c.drop();
    }());
  },

  "golang.test_select_fairness.thread"(data: unknown): Promise<void> {
    const { c1, c2, c3, c4, out, done } = data as Record<"c1" | "c2" | "c3" | "c4" | "out" | "done", H<number>>;
    const [a, b, c, d, o, dn] = [c1, c2, c3, c4, out, done].map((h) => new GoChan(h!));
    return onThreadExecutor(function* (): Coroutine<void> {
      for (;;) {
        const [, m] = yield* race([c, d, a, b].map((ch, i) => branch(i, ch!.r.recv())));
        assert.notEqual(m, STREAM_END);
        const [which] = yield* race([branch("out", o!.s.send(m as number)), branch("done", dn!.r.recv())]);
        if (which === "done") break;
      }
      for (const ch of [a, b, c, d, o, dn]) ch!.drop();
    }());
  },

  "golang.test_pseudo_random_send.thread"(data: unknown): void {
    const { c, done, l } = data as { c: H<number>; done: H<boolean>; l: Int32Array<SharedArrayBuffer> };
    const [ch, d] = [new GoChan(c), new GoChan(done)];
    for (let i = 0; i < l.length; i++) {
      const v = ch.recv();
      assert.notEqual(v, undefined);
      l[i] = v!; // read by the test after `done` (the channel orders it)
    }
    d.s.sendBlocking(true);
    ch.drop();
    d.drop();
  },

  "golang.test_multi_consumer.worker"(data: unknown): void {
    const { q, r, w, pn } = data as { q: H<number>; r: H<number>; w: number; pn: number[] };
    const [qc, rc] = [new GoChan(q), new GoChan(r)];
    for (let v; (v = qc.recv()) !== undefined;) {
      if (pn[w % pn.length] === v) sleep(0); // thread::yield_now()
      rc.s.sendBlocking(v);
    }
    qc.drop();
    rc.drop();
  },
  "golang.test_multi_consumer.producer"(data: unknown): void {
    const { q, niter, pn, expect } = data as {
      q: H<number>;
      niter: number;
      pn: number[];
      expect: Int32Array<SharedArrayBuffer>;
    };
    const qc = new GoChan(q);
    for (let i = 0; i < niter; i++) {
      const v = pn[i % pn.length]!;
      Atomics.add(expect, 0, v);
      qc.s.sendBlocking(v);
    }
    qc.s.close();
    qc.drop();
  },

  "golang.test_select_duplicate_channel.selector"(data: unknown): Promise<void> {
    const { c, d, e } = data as Record<"c" | "d" | "e", H<number>>;
    const [cc, dc, ec] = [c, d, e].map((h) => new GoChan(h!));
    return onThreadExecutor(function* (): Coroutine<void> {
      yield* race([cc!.r.recv(), dc!.r.recv(), ec!.r.recv()]);
      yield* ec!.s.send(9);
      for (const x of [cc, dc, ec]) x!.drop();
    }());
  },

  /** ken/chan.go's `send`: the channel's values, then close. */
  "golang.chan.send"(data: unknown): void {
    const { k, tot, randx } = data as { k: KenChan } & KenShared;
    const ch = new GoChan(k.c);
    // The first value may be END itself (the 100th channel starts at 10,000): the loop checks after.
    for (let sv = k.first, done = false; !done;) {
      for (let i = 0; i <= nrand(10, randx); i++) sleep(0); // thread::yield_now()
      assert.equal(ch.s.sendBlocking(sv), true);
      Atomics.add(tot, 0, 1);
      sv = expectNext(sv, sv);
      done = sv === END;
    }
    ch.s.close();
    ch.drop();
  },
  /** ken/chan.go's `recv`: the channel's values, in order. */
  "golang.chan.recv"(data: unknown): void {
    const { k, tot, randx } = data as { k: KenChan } & KenShared;
    const ch = new GoChan(k.c);
    for (let rv = k.first, done = false; !done;) {
      for (let i = nrand(10, randx); i > 0; i--) sleep(0);
      const v = ch.recv();
      assert.notEqual(v, undefined);
      Atomics.add(tot, 1, 1);
      rv = expectNext(rv, v!);
      done = rv === END;
    }
    ch.drop();
  },
  /**
   * ken/chan.go's `sel`: one select over receives of `r` and sends of `s` (`null`: the closed `nc`,
   * whose cases never complete) until every live channel is done; a channel done is left out of the
   * select, as Go's nil channel is never ready.
   */
  "golang.chan.sel"(data: unknown): Promise<void> {
    const { r, s, tot, randx } = data as { r: (KenChan | null)[]; s: (KenChan | null)[] } & KenShared;
    const recvs = r.map((k) => k && { ch: new GoChan(k.c), next: k.first, done: false });
    const sends = s.map((k) => k && { ch: new GoChan(k.c), next: k.first, done: false });
    return onThreadExecutor(function* (): Coroutine<void> {
      for (;;) {
        const cases: Coroutine<[string, number]>[] = [];
        recvs.forEach((c, i) => {
          if (c !== null && !c.done) cases.push(branch("r" + i, c.ch.r.recv()) as Coroutine<[string, number]>);
        });
        sends.forEach((c, i) => {
          if (c !== null && !c.done) {
            cases.push(function* (): Coroutine<[string, number]> {
              yield* c.ch.s.send(c.next);
              return ["s" + i, 0];
            }());
          }
        });
        if (cases.length === 0) break;
        for (let i = 0; i <= nrand(5, randx); i++) sleep(0);
        const [which, v] = yield* race(cases);
        const i = Number(which.slice(1));
        if (which[0] === "r") {
          const c = recvs[i]!;
          assert.notEqual(v, STREAM_END);
          Atomics.add(tot, 1, 1);
          c.next = expectNext(c.next, v);
          c.done = c.next === END;
        } else {
          const c = sends[i]!;
          Atomics.add(tot, 0, 1);
          c.next = expectNext(c.next, c.next);
          c.done = c.next === END;
          if (c.done) c.ch.s.close();
        }
      }
      for (const c of [...recvs, ...sends]) c?.ch.drop();
    }());
  },

  "golang.chan1.r"(data: unknown): void {
    const { c, h } = data as { c: H<number>; h: Int32Array<SharedArrayBuffer> };
    const ch = new GoChan(c);
    for (let r; (r = ch.recv()) !== undefined;) {
      // data[r] must be 1 (sent, not yet received) and becomes 2: one CAS does both.
      const was = Atomics.compareExchange(h, r, 1, 2);
      assert.equal(was, 1, `r=${r} h=${was}`);
    }
    ch.drop();
  },
};
