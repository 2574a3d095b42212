import { blockOn, CancellationToken, Context, type Coroutine, fromIterable, LocalExecutor, next, PENDING, STREAM_END, take, toPromise, fold, merge, fromAsyncIterable, toAsyncIterable } from "@spindle/core";
import { debounce, ElapsedError, Instant, throttle, ticks, timeoutEach, TimerReactor, VirtualClock, TimerClosedError } from "@spindle/timer";
function tryIt(label: string, f: () => unknown) {
  try { const r = f(); console.log(label, "OK ->", typeof r === "object" ? r?.constructor?.name : r); }
  catch (e: any) { console.log(label, "THROW", e?.name, e?.code, String(e?.message).slice(0, 140)); }
}
const clock = new VirtualClock({ start: Instant.fromMillis(0) });
const timer = clock.timer;
for (const v of [-1, NaN, Infinity, "5", 2 ** 41, undefined, null]) {
  tryIt(`sleep(${v})`, () => timer.sleep(v as any));
  tryIt(`interval(${v})`, () => timer.interval(v as any));
  tryIt(`throttle(${v})`, () => throttle(fromIterable([1]), timer, v as any));
  tryIt(`debounce(${v})`, () => debounce(fromIterable([1]), timer, v as any));
  tryIt(`timeoutEach(${v})`, () => timeoutEach(fromIterable([1]), timer, v as any));
  tryIt(`resetAfter(${v})`, () => timer.interval(10).resetAfter(v as any));
  tryIt(`timeout(ready,${v})`, () => timer.timeout(timer.sleep(1), v as any));
}
tryIt("interval(0)", () => timer.interval(0));
tryIt("sleep signal 5", () => timer.sleep(5, { signal: 5 as any }));
tryIt("timeout signal 5", () => timer.timeout(timer.sleep(1), 5, { signal: 5 as any }));
tryIt("sleep.reset(5)", () => timer.sleep(5).reset(5 as any));
tryIt("sleep.reset(null)", () => timer.sleep(5).reset(null as any));
tryIt("sleepUntil(5)", () => timer.sleepUntil(5 as any));
tryIt("timeoutAt(f, 5)", () => timer.timeoutAt(timer.sleep(1), 5 as any));
tryIt("intervalAt(5, 10)", () => timer.intervalAt(5 as any, 10));
tryIt("intervalAt(now, -1)", () => timer.intervalAt(Instant.fromMillis(0), -1));
tryIt("resetAt(NaN instant)", () => timer.interval(10).resetAt(Instant.fromMillis(NaN)));
tryIt("Instant.fromMillis(NaN)", () => Instant.fromMillis(NaN));
tryIt("Instant.add(NaN)", () => Instant.fromMillis(0).add(NaN));
tryIt("ticks(5)", () => ticks(5 as any));
tryIt("throttle(5,...)", () => throttle(5 as any, timer, 5));
tryIt("throttle(s, 5, 5)", () => throttle(fromIterable([1]), 5 as any, 5));
tryIt("missedTick bogus", () => timer.interval(5, { missedTick: "bogus" as any }));
// sleep.reset semantics
const sl = timer.sleep(100);
const cx = Context.noop();
console.log("sleep pending", sl.poll(cx) === PENDING, sl.isElapsed);
sl.reset(Instant.fromMillis(10));
clock.advance(10);
console.log("after reset earlier + advance 10", sl.poll(cx) === PENDING, sl.isElapsed);
sl.reset(Instant.fromMillis(50));
console.log("reset after completion -> poll again", (() => { try { return sl.poll(cx) === PENDING; } catch (e: any) { return "throws " + e.code; } })(), sl.isElapsed);
clock.advance(40);
console.log("after advance to 50", (() => { try { return sl.poll(cx) === PENDING ? "pending" : "ready"; } catch (e: any) { return "throws " + e.code; } })());
// signal on sleep
const ac = new AbortController();
const s2 = timer.sleep(1000, { signal: ac.signal });
console.log("s2 pending", s2.poll(cx) === PENDING, "pendingCount", timer.pendingCount);
ac.abort(new Error("stop"));
tryIt("s2 after abort", () => s2.poll(cx));
console.log("pendingCount after abort", timer.pendingCount);
const tok = new CancellationToken();
const s3 = timer.timeout(timer.sleep(1000), 2000, { signal: tok });
console.log("s3 pending", s3.poll(cx) === PENDING, timer.pendingCount);
tok.cancel("tok");
tryIt("s3 after cancel", () => s3.poll(cx));
console.log("pendingCount after cancel", timer.pendingCount);
// already aborted signal
tryIt("sleep already aborted", () => s2.poll(cx));
const ac2 = new AbortController(); ac2.abort("pre");
tryIt("sleep(signal pre-aborted).poll", () => timer.sleep(10, { signal: ac2.signal }).poll(cx));
// interval resets
const clock2 = new VirtualClock({ start: Instant.fromMillis(0) });
const iv = clock2.timer.interval(100);
const t0 = iv.pollTick(cx); console.log("first tick", (t0 as any).millis);
iv.resetAfter(30);
console.log("nextTick after resetAfter(30)", iv.nextTick.millis);
clock2.advance(30); console.log("tick at", (iv.pollTick(cx) as any).millis, "next", iv.nextTick.millis);
iv.resetImmediately(); console.log("resetImmediately tick", (iv.pollTick(cx) as any)?.millis);
iv.reset(); console.log("reset next", iv.nextTick.millis);
iv.resetAt(Instant.fromMillis(500)); console.log("resetAt(500) next", iv.nextTick.millis);
iv.resetAt(Instant.fromMillis(10)); console.log("resetAt(past 10) next", iv.nextTick.millis, "poll", (iv.pollTick(cx) as any)?.millis ?? "pending");
// intervalAt in the past with burst
const clock3 = new VirtualClock({ start: Instant.fromMillis(1000) });
const ia = clock3.timer.intervalAt(Instant.fromMillis(0), 300);
const ts = []; for (let i = 0; i < 5; i++) { const r = ia.pollTick(cx); ts.push(r === PENDING ? "P" : (r as any).millis); }
console.log("intervalAt(0,300) at 1000 burst ticks", ts);
const ia2 = clock3.timer.intervalAt(Instant.fromMillis(0), 300, { missedTick: "skip" });
const ts2 = []; for (let i = 0; i < 3; i++) { const r = ia2.pollTick(cx); ts2.push(r === PENDING ? "P" : (r as any).millis); }
console.log("skip ticks", ts2, "next", ia2.nextTick.millis);
// timeoutAt
const clock4 = new VirtualClock({ start: Instant.fromMillis(0) });
const to = clock4.timer.timeoutAt(clock4.timer.sleep(100), Instant.fromMillis(50));
console.log("timeoutAt pending", to.poll(cx) === PENDING);
clock4.advance(50);
tryIt("timeoutAt after 50", () => to.poll(cx));
