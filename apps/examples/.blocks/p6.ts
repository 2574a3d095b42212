import { type Coroutine, LocalExecutor, next, STREAM_END, fromAsyncIterable, toPromise, fromPromise, Context, PENDING } from "@spindle/core";
import { mpsc } from "@spindle/sync";
import { debounce, ElapsedError, Instant, throttle, ticks, timeoutEach, TimerReactor, VirtualClock, TimerClosedError } from "@spindle/timer";
const clock = new VirtualClock({ start: Instant.fromMillis(0) });
const timer = clock.timer;
// producer: sends at given virtual times over a channel
function* feed(tx: any, plan: [number, number][]): Coroutine<void> {
  let now = 0;
  for (const [at, v] of plan) { yield* timer.sleep(at - now); now = at; tx.send(v); }
  tx.drop();
}
async function collect(kind: string, plan: [number, number][], wrap: (s: any) => any) {
  const [tx, rx] = mpsc.unbounded<number>();
  const ex = new LocalExecutor({ onIdle: clock.autoAdvance });
  const start = clock.timer.now().millis;
  ex.spawn(feed(tx, plan.map(([a, v]) => [a, v])));
  const out: string[] = [];
  ex.spawn(function* () {
    const s = wrap(rx);
    for (;;) {
      try { const v = yield* next(s); if (v === STREAM_END) break; out.push(`${v}@${clock.timer.now().millis - start}`); }
      catch (e: any) { out.push(`${e.name}@${clock.timer.now().millis - start}`); }
    }
  }());
  await ex.run();
  console.log(kind, out.join(" "));
}
await collect("throttle100", [[0, 1], [10, 2], [20, 3], [250, 4]], (rx) => throttle(rx, timer, 100));
await collect("debounce50", [[0, 1], [10, 2], [20, 3], [200, 4], [230, 5]], (rx) => debounce(rx, timer, 50));
await collect("timeoutEach50", [[0, 1], [120, 2], [130, 3]], (rx) => timeoutEach(rx, timer, 50));
// real reactor: sleep.reset while a task waits
const reactor = await TimerReactor.start();
const rt = reactor.timer;
const ex = new LocalExecutor();
const sl = rt.sleep(5_000);
const started = Instant.now();
const h = ex.spawn(function* () { yield* sl; return started.elapsed(); }());
setTimeout(() => sl.reset(Instant.now().add(20)), 20);
await ex.run();
console.log("reset sleep woke after ms", Math.round(await h));
// signal on thread driver
const ac = new AbortController();
const ex2 = new LocalExecutor();
const h2 = ex2.spawn(rt.sleep(5_000, { signal: ac.signal }));
setTimeout(() => ac.abort(new Error("cut")), 20);
await ex2.run().catch(() => {});
await Promise.resolve(h2).then(() => console.log("?? resolved"), (e) => console.log("signal sleep failed with", e.message, "pending", rt.pendingCount));
// close with pending sleep
const ex3 = new LocalExecutor();
const h3 = ex3.spawn(rt.sleep(5_000));
const r3 = ex3.run().catch(() => {});
setTimeout(() => reactor.close(), 20);
await r3;
await Promise.resolve(h3).then(() => console.log("?? resolved"), (e) => console.log("close:", e.name, e.reason));
// after close: new sleep?
try { const s = rt.sleep(10); console.log("sleep after close poll", s.poll(Context.noop()) === PENDING ? "PENDING (hang?)" : "ready"); } catch (e: any) { console.log("sleep after close throws", e.name, e.reason); }
