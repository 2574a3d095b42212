import { abortable, asCompleted, blockOn, CancellationToken, chunks, type Coroutine, filter, fold, forEach, fromAsyncIterable, fromIterable, fromPromise, LocalExecutor, map, merge, next, pending, PENDING, ready, scoped, SpindleError, STREAM_END, take, takeUntil, TaskLocal, TaskScope, toAsyncIterable, toPromise, whenAborted, yieldNow, zip, Context } from "@spindle/core";
function tryIt(label: string, f: () => unknown) {
  try { const r = f(); console.log(label, "OK ->", typeof r === "object" ? (r?.constructor?.name) : r); }
  catch (e: any) { console.log(label, "THROW", e?.name, e?.code, String(e?.message).slice(0, 140)); }
}
const s = () => fromIterable([1, 2, 3]);
for (const v of [-1, NaN, 1.5, Infinity, "2", undefined, 0]) {
  tryIt(`take(${v})`, () => take(s(), v as any));
  tryIt(`chunks(${v})`, () => chunks(s(), v as any));
}
tryIt("map(non-stream)", () => map(42 as any, (x: any) => x));
tryIt("map(fn=null)", () => map(s(), null as any));
tryIt("filter(fn=1)", () => filter(s(), 1 as any));
tryIt("fromIterable(5)", () => fromIterable(5 as any));
tryIt("fromAsyncIterable(5)", () => fromAsyncIterable(5 as any));
tryIt("merge(1)", () => merge(1 as any));
tryIt("zip(s, null)", () => zip(s(), null as any));
tryIt("takeUntil(s, 5)", () => takeUntil(s(), 5 as any));
tryIt("fold(5)", () => fold(5 as any, 0, (a: any) => a));
tryIt("forEach(s, 5)", () => forEach(s(), 5 as any));
tryIt("asCompleted(5)", () => asCompleted(5 as any));
tryIt("asCompleted([5])", () => asCompleted([5 as any]));
tryIt("abortable(5, sig)", () => abortable(5 as any, new AbortController().signal));
tryIt("abortable(f, 5)", () => abortable(ready(1), 5 as any));
tryIt("whenAborted(5)", () => whenAborted(5 as any));
tryIt("toPromise(5)", () => toPromise(5 as any).catch((e) => console.log("toPromise(5) rejected", e?.name, e?.code)));
tryIt("toPromise(f, {signal: 5})", () => toPromise(ready(1), { signal: 5 as any }));
tryIt("fromPromise(5)", () => blockOn(fromPromise(5 as any)));
tryIt("CancellationToken.fromSignal(5)", () => CancellationToken.fromSignal(5 as any));
tryIt("TaskLocal get outside", () => new TaskLocal<number>("x").get());
tryIt("TaskLocal scope(1, 5)", () => new TaskLocal<number>("x").scope(1, 5 as any));
tryIt("scoped(5)", () => scoped(5 as any));
tryIt("new TaskScope({onError: 'x'})", () => new TaskScope({ onError: "bogus" as any }));
tryIt("new TaskScope({executor: 5})", () => new TaskScope({ executor: 5 as any }));
tryIt("scope.spawn(5)", () => new TaskScope().spawn(5 as any));
tryIt("scope.adopt(5)", () => new TaskScope().adopt(5 as any));
// token cancel semantics
const t = new CancellationToken();
const c = t.child();
t.cancel("r1");
t.cancel("r2");
console.log("child reason", blockOn(c.cancelled()), "signal reason", c.signal.reason, c.isCancelled);
const late = t.child();
console.log("late child cancelled", late.isCancelled, blockOn(late.cancelled()));
let called = 0;
t.onCancel(() => called++);
console.log("onCancel after cancel called", called);
const t2 = new CancellationToken(); t2.cancel();
console.log("default reason", (t2.signal.reason as any)?.name);
// onCancel that throws
const t3 = new CancellationToken();
t3.onCancel(() => { throw new Error("boom"); });
let second = 0; t3.onCancel(() => second++);
tryIt("cancel with throwing onCancel", () => t3.cancel("x"));
console.log("second onCancel ran", second);
// abortable with already aborted
const ac = new AbortController(); ac.abort(new Error("early"));
tryIt("abortable aborted", () => blockOn(abortable(ready(5), ac.signal)));
tryIt("whenAborted aborted", () => blockOn(whenAborted(ac.signal)));
toPromise(ready(1), { signal: ac.signal }).then((v) => console.log("toPromise aborted resolved?!", v), (e) => console.log("toPromise aborted rejects", e?.message));
// TaskLocal nesting
const L = new TaskLocal<string>("L");
function* inner(): Coroutine<string> { yield* yieldNow(); return L.get(); }
function* outer(): Coroutine<string[]> { const a = L.get(); const b = yield* L.scope("in", inner()); const c2 = L.get(); return [a, b, c2]; }
console.log("TaskLocal nesting", blockOn(L.scope("out", outer())));
