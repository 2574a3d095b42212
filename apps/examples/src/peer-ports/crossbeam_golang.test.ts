// Port of crossbeam-channel's tests/golang.rs (crossbeam-rs/crossbeam
// 7de845aa13ce5d80084ce0889e014ae0aa0d19ce; Go's channel tests, rewritten in Rust by crossbeam) onto
// @spindle/sync's sharedChannel, written from the sync README. A Go channel (`make(cap)`) is a
// sharedChannel; Go's `close` (crossbeam's `close_s`) is `close()`, which closes it on every thread
// (sends fail, receivers drain, then end). A goroutine (`go!`) is a worker thread
// (crossbeam/support.ts, bodies in crossbeam/golang-bodies.ts) that opens the channels it captures;
// the test's own goroutine runs on the test thread with the ends' futures (its event loop starts
// the goroutines), each wait a LocalExecutor run. `select!` is core's `race` over futures, which
// polls them in the order given; `select!` with `default` is the try-calls in that order.
// Differs: sharedChannel has no zero-capacity (rendezvous) channel, so `make(0)` is capacity 1
// where the test does not depend on a send waiting for a receiver (doubleselect, synch_fifo,
// goroutines, select6, select7, chan, test_nonblock_select_race2, test_select_stress,
// test_select_fairness, test_select_duplicate_channel); `nonblock` and `test_chan` run their
// buffered cases only (`buffer` 1; `cap` 1 to 199), `test_self_select` its capacity-10 case (the
// capacity-0 case checks a rendezvous never pairs a goroutine with itself). Go's `select` picks a
// ready case at random; `race` takes the first ready in order, so `test_select_fairness` asserts that
// order (all from the first case), and `test_pseudo_random_send` that the first send, with room, took
// the first case (in part: which of two waiting sends wins is not in the order of the cases). Fewer goroutines:
// `goroutines` chains 16 where Go chains 100, `test_multi_consumer` passes 50,000 values
// through its 23 workers where Go passes 271,828 (each goroutine is a worker thread here, not a
// green thread: 23 over 271,828 took 30 s on Node 24). `sieve1`'s goroutines, which never end in Go, are tasks of one executor here, aborted
// once the primes are checked; `chan1`'s receivers, which loop forever in Go, end when the channel
// is closed after the sends.
// Not portable: `select2` (an unbounded channel and the allocator's byte count), `zero_size_array`
// (`make(0)` of a zero-size type: the same call as `zero_size_struct`, which asserts the refusal of
// a zero capacity).
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type Coroutine,
  type Future,
  type IntoFuture,
  LocalExecutor,
  PENDING,
  race,
  ready,
  SpindleError,
  STREAM_END,
} from "@spindle/core";
import { sharedChannel, type SharedReceiver, type SharedSender } from "@spindle/sync";
import type { GoChanHandles, KenChan, KenShared } from "./crossbeam/golang-bodies.ts";
import { scope, type Spawn } from "./crossbeam/support.ts";

async function onExecutor<T>(body: Future<T> | Coroutine<T>): Promise<T> {
  const executor = new LocalExecutor();
  const handle = executor.spawn(body);
  await executor.run();
  return await handle;
}

/** A Go channel on the test thread: its ends, and handles of them for goroutines. */
class GoChan<T> {
  readonly s: SharedSender<T>;
  readonly r: SharedReceiver<T>;
  constructor(cap: number) {
    [this.s, this.r] = sharedChannel<T>(cap, { slotBytes: 32 });
  }
  /** Handles for one goroutine (each counts as an end until opened; Go channels close by `close`). */
  get h(): GoChanHandles<T> {
    return { s: this.s.handle(), r: this.r.handle() };
  }
  /** `c.send(v)` (crossbeam's `Chan::send` ignores a closed channel's failure; none is closed here). */
  send(value: T): Promise<void> {
    return onExecutor(this.s.send(value));
  }
  /** `c.recv()`: the value, or undefined once closed and drained. */
  async recv(): Promise<T | undefined> {
    const got = await onExecutor(this.r.recv());
    return got === STREAM_END ? undefined : got;
  }
  close(): void {
    this.s.close();
  }
}

const make = <T>(cap: number) => new GoChan<T>(cap);
/** `go!`: one goroutine on a thread of its own; the promise settles when it returns (or panics). */
const go = (spawn: Spawn): Promise<void> => scope([spawn]);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

test("doubleselect::main", async () => {
  const ITERATIONS = 10_000;
  const [c1, c2, c3, c4] = [make<number>(1), make<number>(1), make<number>(1), make<number>(1)];
  const done = make<boolean>(1);
  const cmux = make<number>(1);
  const goroutines = [
    go({ body: "golang.doubleselect.sender", data: { n: ITERATIONS, cs: [c1.h, c2.h, c3.h, c4.h] } }),
    ...[c1, c2, c3, c4].map((c) =>
      go({ body: "golang.doubleselect.mux", data: { out: cmux.h, inp: c.h, done: done.h } })
    ),
    go({ body: "golang.doubleselect.closer", data: { done: done.h, cmux: cmux.h } }),
  ];
  const seen = new Set<number>();
  for (let v; (v = await cmux.recv()) !== undefined;) {
    assert.ok(!seen.has(v), `got duplicate value for ${v}`);
    seen.add(v);
  }
  await Promise.all(goroutines);
  assert.equal(seen.size, ITERATIONS);
});

test("fifo::asynch_fifo", () => {
  const N = 10;
  const [s, r] = sharedChannel<number>(N);
  for (let i = 0; i < N; i++) s.sendBlocking(i);
  for (let i = 0; i < N; i++) assert.equal(r.recvBlocking(), i, "bad receive");
});

test("fifo::synch_fifo", async () => {
  const N = 10;
  const ch = make<number>(1);
  let inp = make<number>(1);
  const start = inp;
  const goroutines = [];
  for (let i = 0; i < N; i++) {
    const out = make<number>(1);
    goroutines.push(go({ body: "golang.synch_fifo.chain", data: { ch: ch.h, val: i, inp: inp.h, out: out.h } }));
    inp = out;
  }
  await start.send(0);
  for (let i = 0; i < N; i++) await ch.send(i);
  await inp.recv();
  await Promise.all(goroutines);
});

test("goroutines::main", async () => {
  const n = 16;
  const leftmost = make<number>(1);
  let right = leftmost;
  let left = leftmost;
  const goroutines = [];
  for (let i = 0; i < n; i++) {
    right = make<number>(1);
    goroutines.push(go({ body: "golang.goroutines.f", data: { left: left.h, right: right.h } }));
    left = right;
  }
  goroutines.push(go({ body: "golang.send", data: { c: right.h, value: 1 } }));
  assert.equal(await leftmost.recv(), 1);
  await Promise.all(goroutines);
});

test("nonblock::main", async () => {
  const MAX_TRIES = 10_000;
  const sync = make<boolean>(1);
  const buffer = 1;
  for (
    const [sent, got] of [[123, 234], [123456, 234567], [true, true], ["hello", "hello again"]] as [unknown, unknown][]
  ) {
    const c = make<unknown>(buffer);
    assert.equal(c.r.tryRecv(), PENDING, "blocked sender");
    const receiver = go({ body: "golang.nonblock.receiver", data: { c: c.h, strobe: sync.h, expect: sent } });
    for (let tries = 0; !c.s.trySend(sent); tries++) {
      assert.ok(tries <= MAX_TRIES, "receiver: fail");
      await sleep(0);
    }
    await sync.recv();
    await receiver;
    const sender = go({ body: "golang.nonblock.sender", data: { c: c.h, strobe: sync.h, value: got } });
    await sync.recv(); // buffer > 0
    for (let tries = 0;; tries++) {
      const v = c.r.tryRecv();
      if (v !== PENDING) {
        assert.deepEqual(v, got, "sender value");
        break;
      }
      assert.ok(tries <= MAX_TRIES, "sender: fail");
      await sleep(0);
    }
    await sender;
  }
});

test("select::main", async () => {
  let shift = 0;
  let counter = 0;
  const getValue = () => {
    counter++;
    return 1 << shift;
  };
  const send = (a0: GoChan<number> | null, b0: GoChan<number> | null) =>
    onExecutor(function* (): Coroutine<number> {
      let [a, b, i] = [a0, b0, 0];
      for (;;) {
        // A nil channel's send never completes: left out of the select.
        const v1 = getValue();
        const v2 = getValue();
        const cases: IntoFuture<string>[] = [];
        if (a !== null) {
          cases.push(function* (): Coroutine<string> {
            yield* a!.s.send(v1);
            return "a";
          }());
        }
        if (b !== null) {
          cases.push(function* (): Coroutine<string> {
            yield* b!.s.send(v2);
            return "b";
          }());
        }
        cases.push(ready("default"));
        const chosen = yield* race(cases);
        if (chosen === "default") break;
        i++;
        if (chosen === "a") a = null;
        else b = null;
        shift++;
      }
      return i;
    }());
  const a = make<number>(1);
  const b = make<number>(1);
  assert.equal(await send(a, b), 2);
  const av = a.r.recvBlocking() as number;
  const bv = b.r.recvBlocking() as number;
  assert.equal(av | bv, 3);
  assert.equal(await send(a, null), 1);
  assert.equal(counter, 10);
});

// Not portable: `select2::main` (crossbeam's unbounded channel, and the bytes its global allocator
// counts: neither exists here).

test("select4::main", async () => {
  const c = make<number>(1);
  const c1 = make<number>(1);
  await c.send(42);
  const [which, v] = await onExecutor(race([
    function* (): Coroutine<[string, unknown]> {
      return ["c1", yield* c1.r.recv()];
    }(),
    function* (): Coroutine<[string, unknown]> {
      return ["c", yield* c.r.recv()];
    }(),
  ]));
  assert.equal(which, "c", "BUG");
  assert.equal(v, 42);
});

test("select6::main", async () => {
  const [c1, c2, c3] = [make<boolean>(1), make<boolean>(1), make<boolean>(1)];
  const goroutines = [
    go({ body: "golang.recv", data: { c: c1.h } }),
    go({ body: "golang.select6.selector", data: { c1: c1.h, c2: c2.h, c3: c3.h } }),
    go({ body: "golang.send", data: { c: c2.h, value: true } }),
  ];
  await c3.recv();
  await c1.send(true);
  await c1.send(true);
  await Promise.all(goroutines);
});

test("select7::main", async () => {
  for (const kind of [1, 2, 3] as const) {
    for (const sendKind of [1, 2, 3]) {
      const c = make<number>(1);
      const c2 = make<number>(1);
      const receiver = go({ body: "golang.select7.recv", data: { c: c.h, kind, c2: make<number>(1).h } });
      await sleep(0); // thread::yield_now()
      if (sendKind === 1) await c.send(1);
      else {
        await onExecutor(race(sendKind === 2 ? [c.s.send(1)] : [c.s.send(1), c2.s.send(1)]));
      }
      await receiver;
    }
  }
});

test("sieve1::main", async () => {
  const primes = make<number>(1);
  const executor = new LocalExecutor();
  const tasks: { abort(): void }[] = [];
  const go = (body: Coroutine<void>) => tasks.push(executor.spawn(body));
  function* generate(ch: GoChan<number>): Coroutine<void> {
    for (let i = 2;; i++) yield* ch.s.send(i);
  }
  function* filter(inCh: GoChan<number>, outCh: GoChan<number>, prime: number): Coroutine<void> {
    for (let i; (i = yield* inCh.r.recv()) !== STREAM_END;) if (i % prime !== 0) yield* outCh.s.send(i);
  }
  function* sieve(): Coroutine<void> {
    let ch = make<number>(1);
    go(generate(ch));
    for (;;) {
      const prime = yield* ch.r.recv();
      assert.notEqual(prime, STREAM_END);
      yield* primes.s.send(prime as number);
      const ch1 = make<number>(1);
      go(filter(ch, ch1, prime as number));
      ch = ch1;
    }
  }
  go(sieve());
  const expected = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97];
  const got = executor.spawn(function* (): Coroutine<number[]> {
    const got: number[] = [];
    for (let k = 0; k < expected.length; k++) got.push((yield* primes.r.recv()) as number);
    for (const task of tasks) task.abort(); // the goroutines that never end
    return got;
  }());
  await executor.run().catch(() => {}); // the aborted goroutines end as cancelled
  assert.deepEqual(await got, expected);
});

test("zerosize::zero_size_struct", () => {
  // `make(0)`: a sharedChannel holds at least one value (README: capacity from 1).
  assert.throws(() => sharedChannel(0), (e) => e instanceof SpindleError && e.code === "INVALID_ARGUMENT");
});

// Not portable: `zerosize::zero_size_array` (the same call: JavaScript has no zero-size types).

test("chan_test::test_chan", async () => {
  const N = 200;
  const MESSAGES_COUNT = 100;
  for (let cap = 1; cap < N; cap++) {
    {
      // Ensure that receive from empty chan blocks.
      const c = make<number>(cap);
      const recv1 = new Int32Array(new SharedArrayBuffer(4));
      const recv2 = new Int32Array(new SharedArrayBuffer(4));
      const g1 = go({ body: "golang.recvThenFlag", data: { c: c.h, flag: recv1 } });
      const g2 = go({ body: "golang.recvThenFlag", data: { c: c.h, flag: recv2 } });
      await sleep(1);
      assert.ok(Atomics.load(recv1, 0) === 0 && Atomics.load(recv2, 0) === 0, `cap ${cap}: a receive did not block`);
      // Ensure that non-blocking receive does not block.
      assert.equal(c.r.tryRecv(), PENDING);
      assert.equal(c.r.tryRecv(), PENDING);
      await c.send(0);
      await c.send(0);
      await Promise.all([g1, g2]);
    }
    {
      // Ensure that send to full chan blocks.
      const c = make<number>(cap);
      for (let i = 0; i < cap; i++) await c.send(i);
      const sent = new Int32Array(new SharedArrayBuffer(4));
      const g = go({ body: "golang.sendThenFlag", data: { c: c.h, flag: sent } });
      await sleep(1);
      assert.equal(Atomics.load(sent, 0), 0, `cap ${cap}: a send to a full channel did not block`);
      // Ensure that non-blocking send does not block.
      assert.equal(c.s.trySend(0), false);
      await c.recv();
      await g;
    }
    {
      // Ensure that we receive 0 from closed chan.
      const c = make<number>(cap);
      for (let i = 0; i < cap; i++) await c.send(i);
      c.close();
      for (let i = 0; i < cap; i++) assert.equal(await c.recv(), i);
      assert.equal(await c.recv(), undefined);
      assert.equal(c.r.tryRecv(), STREAM_END);
    }
    {
      // Ensure that close unblocks receive.
      const c = make<number>(cap);
      const done = make<boolean>(1);
      const g = go({ body: "golang.tryRecvIsNone", data: { c: c.h, done: done.h } });
      await sleep(1);
      c.close();
      assert.equal(await done.recv(), true);
      await g;
    }
    {
      // Send many integers, ensure that we receive them non-corrupted in FIFO order (twice).
      const c = make<number>(cap);
      for (let round = 0; round < 2; round++) {
        const g = go({ body: "golang.sendCount", data: { c: c.h, count: MESSAGES_COUNT } });
        for (let i = 0; i < MESSAGES_COUNT; i++) assert.equal(await c.recv(), i);
        await g;
      }
    }
  }
});

test("chan_test::test_nonblock_recv_race", async () => {
  const N = 1000;
  for (let i = 0; i < N; i++) {
    const c = make<number>(1);
    await c.send(1);
    const t = go({ body: "golang.test_nonblock_recv_race.thread", data: { c: c.h } });
    c.close();
    await c.recv();
    await t;
  }
});

/** test_nonblock_select_race{,2}: c2 gets a value (`close`: c2 is closed) while the goroutine selects. */
async function nonblockSelectRace(closeC2: boolean): Promise<void> {
  const N = 1000;
  const done = make<boolean>(1);
  for (let i = 0; i < N; i++) {
    const c1 = make<number>(1);
    const c2 = make<number>(1);
    await c1.send(1);
    const t = go({ body: "golang.test_nonblock_select_race.thread", data: { c1: c1.h, c2: c2.h, done: done.h } });
    if (closeC2) c2.close();
    else await c2.send(1);
    c1.r.tryRecv(); // select! { recv(c1) => {}, default => {} }
    assert.equal(await done.recv(), true, "no chan is ready");
    await t;
  }
}

test("chan_test::test_nonblock_select_race", () => nonblockSelectRace(false));

test("chan_test::test_nonblock_select_race2", () => nonblockSelectRace(true));

test("chan_test::test_self_select", async () => {
  const N = 1000;
  const c = make<number>(10);
  await scope([0, 1].map((p) => ({ body: "golang.test_self_select.thread" as const, data: { c: c.h, p, n: N } })));
});

test("chan_test::test_select_stress", async () => {
  const N = 10_000;
  const c = [make<number>(1), make<number>(1), make<number>(2), make<number>(3)];
  const spawns: Spawn[] = [];
  for (let k = 0; k < 4; k++) {
    spawns.push({ body: "golang.test_select_stress.send", data: { c: c[k]!.h, n: N } });
    spawns.push({ body: "golang.test_select_stress.recv", data: { c: c[k]!.h, n: N } });
  }
  spawns.push({
    body: "golang.test_select_stress.select",
    data: { cs: c.map((x) => x.h), n: N, side: "recv", order: [3, 2, 0, 1] },
  });
  spawns.push({
    body: "golang.test_select_stress.select",
    data: { cs: c.map((x) => x.h), n: N, side: "send", order: [0, 1, 2, 3] },
  });
  await scope(spawns);
});

test("chan_test::test_select_fairness", async () => {
  const TRIALS = 10_000;
  const c1 = make<number>(TRIALS + 1);
  const c2 = make<number>(TRIALS + 1);
  for (let i = 0; i < TRIALS + 1; i++) {
    c1.s.sendBlocking(1);
    c2.s.sendBlocking(2);
  }
  const [c3, c4, out, done] = [make<number>(1), make<number>(1), make<number>(1), make<number>(1)];
  const g = go({
    body: "golang.test_select_fairness.thread",
    data: { c1: c1.h, c2: c2.h, c3: c3.h, c4: c4.h, out: out.h, done: done.h },
  });
  let [cnt1, cnt2] = [0, 0];
  for (let i = 0; i < TRIALS; i++) {
    const b = await out.recv();
    if (b === 1) cnt1++;
    else if (b === 2) cnt2++;
    else assert.fail(`unexpected value ${b} on channel`);
  }
  // Go: about TRIALS / 2 each; `race` takes c1 whenever it is ready, and it always is.
  assert.deepEqual([cnt1, cnt2], [TRIALS, 0]);
  done.close();
  await g;
});

test("chan_test::test_chan_send_interface", () => {
  const c = make<object>(1);
  c.s.sendBlocking({});
  c.s.trySend({}); // select! { send(c, Mt) => {}, default => {} }
  c.s.trySend({}) || c.s.trySend({}); // two send cases and a default
  assert.equal(c.r.length, 1);
});

test("chan_test::test_pseudo_random_send", async () => {
  const N = 100;
  for (let cap = 1; cap < N; cap++) {
    const c = make<number>(cap);
    const l = new Int32Array(new SharedArrayBuffer(4 * N));
    const done = make<boolean>(1);
    const g = go({ body: "golang.test_pseudo_random_send.thread", data: { c: c.h, done: done.h, l } });
    for (let i = 0; i < N; i++) {
      await onExecutor(race([c.s.send(1), c.s.send(0)]));
    }
    await done.recv();
    await g;
    // Go wants more than N / 10 of each (its select picks at random). `race` polls the first case
    // first: with room in the channel it sends 1 (the first send, into the empty channel, does);
    // with both cases waiting, the one woken and polled first wins. Each value is one of the two.
    assert.equal(l[0], 1, `chan cap ${cap}: the first case is taken when both are ready`);
    assert.ok(l.every((i) => i === 0 || i === 1), `chan cap ${cap}: ${l.join("")}`);
  }
});

test("chan_test::test_multi_consumer", async () => {
  const NWORK = 23;
  const NITER = 50_000;
  const pn = [2, 3, 7, 11, 13, 17, 19, 23, 27, 31];
  const q = make<number>(NWORK * 3);
  const r = make<number>(NWORK * 3);
  const expect = new Int32Array(new SharedArrayBuffer(4));
  const workers = Array.from(
    { length: NWORK },
    (_, w) => go({ body: "golang.test_multi_consumer.worker", data: { q: q.h, r: r.h, w, pn } }),
  );
  const producer = go({ body: "golang.test_multi_consumer.producer", data: { q: q.h, niter: NITER, pn, expect } });
  // The producer goroutine's `wg.wait(); r.close_s()`, after q's close.
  const closed = Promise.all([...workers, producer]).then(() => r.close());
  const [n, s] = await onExecutor(function* (): Coroutine<[number, number]> {
    let [n, s] = [0, 0];
    for (let v; (v = yield* r.r.recv()) !== STREAM_END;) {
      n++;
      s += v;
    }
    return [n, s];
  }());
  await closed;
  assert.equal(n, NITER);
  assert.equal(s, Atomics.load(expect, 0));
});

test("chan_test::test_select_duplicate_channel", async () => {
  const [c, d, e] = [make<number>(1), make<number>(1), make<number>(1)];
  const g1 = go({ body: "golang.test_select_duplicate_channel.selector", data: { c: c.h, d: d.h, e: e.h } });
  await sleep(1);
  const g2 = go({ body: "golang.recv", data: { c: c.h } });
  await sleep(1);
  await d.send(7);
  assert.equal(await e.recv(), 9);
  await c.send(8);
  await Promise.all([g1, g2]);
});

// ken/chan.go: `make(0)` is capacity 1. Its `nproc` count and `wait()` are the joins of the
// goroutines each step starts; `nc` (a channel closed at both ends) is `null`, a case never ready.
test("chan::main", async () => {
  const shared: KenShared = {
    tot: new Int32Array(new SharedArrayBuffer(8)),
    randx: new Int32Array(new SharedArrayBuffer(4)),
  };
  let cval = 0;
  const mkchan = (c: number, n: number): KenChan[] =>
    Array.from({ length: n }, () => {
      cval += 100;
      return { c: make<number>(Math.max(c, 1)).h, first: cval };
    });
  const send = (k: KenChan): Spawn => ({ body: "golang.chan.send", data: { k, ...shared } });
  const recv = (k: KenChan): Spawn => ({ body: "golang.chan.recv", data: { k, ...shared } });
  const sel = (r: (KenChan | null)[], s: (KenChan | null)[]): Spawn => ({
    body: "golang.chan.sel",
    data: { r, s, ...shared },
  });
  const nc = [null, null, null, null];
  for (const c of [0, 1, 10, 100]) {
    // test1 ×4: direct send to direct recv
    await scope(mkchan(c, 4).flatMap((k) => [send(k), recv(k)]));
    // test2: direct send to select recv
    let ca = mkchan(c, 4);
    await scope([...ca.map(send), sel(ca, nc)]);
    // test3: select send to direct recv
    ca = mkchan(c, 4);
    await scope([...ca.map(recv), sel(nc, ca)]);
    // test4: select send to select recv, 4 channels
    ca = mkchan(c, 4);
    await scope([sel(nc, ca), sel(ca, nc)]);
    // test5: select send to select recv, 8 channels
    ca = mkchan(c, 8);
    await scope([sel(ca.slice(4, 8), ca.slice(0, 4)), sel(ca.slice(0, 4), ca.slice(4, 8))]);
    // test6: direct and select send to direct and select recv
    ca = mkchan(c, 12);
    await scope([
      ...ca.slice(4, 8).map(send),
      ...ca.slice(8, 12).map(recv),
      sel(ca.slice(4, 8), ca.slice(0, 4)),
      sel(ca.slice(0, 4), ca.slice(8, 12)),
    ]);
  }
  const t = 4 * (4 * 4 + 8 + 12) * 76;
  assert.deepEqual([Atomics.load(shared.tot, 0), Atomics.load(shared.tot, 1)], [t, t]);
});

test("chan1::main", async () => {
  const N = 1000;
  const M = 10;
  const W = 2;
  const h = new Int32Array(new SharedArrayBuffer(4 * N));
  const c = make<number>(W);
  const receivers = Array.from({ length: M }, () => go({ body: "golang.chan1.r", data: { c: c.h, h } }));
  for (let n = 0; n < N; n++) {
    // data[r] must be 0 and becomes 1 before the send; the receiver's CAS reads it.
    assert.equal(Atomics.compareExchange(h, n, 0, 1), 0, "s");
    await c.send(n);
  }
  c.close(); // Go's receivers loop forever; here they end with the channel
  await Promise.all(receivers);
  for (let n = 0; n < N; n++) assert.equal(Atomics.load(h, n), 2, `value ${n} received once`);
});
