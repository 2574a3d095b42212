import { blockOn, CancellationToken, type Coroutine, fromAsyncIterable, fromPromise, LocalExecutor, next, pending, race, scoped, STREAM_END, TaskScope, toPromise, fold, merge, fromIterable, take, asCompleted, toAsyncIterable, yieldNow, ready } from "@spindle/core";
function tryIt(label: string, f: () => unknown) {
  try { const r = f(); console.log(label, "OK ->", r); }
  catch (e: any) { console.log(label, "THROW", e?.name, e?.code, String(e?.message).slice(0, 140)); }
}
tryIt("blockOn(scoped(5))", () => blockOn(scoped(5 as any)));
const t = new CancellationToken(); const ch = t.child(); let after = 0;
t.onCancel(() => { throw new Error("boom"); }); t.onCancel(() => after++);
const w = t.cancelled();
tryIt("cancel throwing", () => t.cancel("r"));
console.log("child cancelled", ch.isCancelled, "after", after, "signal aborted", t.signal.aborted);
// toPromise with signal while running
const log: string[] = [];
function* work(): Coroutine<number> { try { yield* pending(); return 1; } finally { log.push("finally"); yield* fromPromise(Promise.resolve()); log.push("finally done"); } }
const ac = new AbortController();
const p = toPromise(work(), { signal: ac.signal });
setTimeout(() => ac.abort(new Error("stop")), 10);
await p.then((v) => console.log("resolved", v), (e) => console.log("toPromise rejected", e?.message, log));
// fromPromise factory abort on drop via race
let aborted: unknown = "no";
function* slow(): Coroutine<string> { return yield* fromPromise((signal) => new Promise<string>((res) => { signal.addEventListener("abort", () => { aborted = signal.reason?.name; }); setTimeout(() => res("slow"), 200); })); }
console.log("race", await toPromise(race([slow(), fromPromise(new Promise<string>((r) => setTimeout(() => r("fast"), 10)))])), "aborted", aborted);
// fromAsyncIterable return() on drop
let returned = 0;
const it = { [Symbol.asyncIterator]() { let i = 0; return { next: async () => ({ value: i++, done: false }), return: async () => { returned++; return { value: undefined, done: true }; } }; } };
console.log("take 3", await toPromise(fold(take(fromAsyncIterable(it), 3), [] as number[], (a, x) => (a.push(x), a))), "return() calls", returned);
// fold reducer throwing: source dropped?
let ret2 = 0;
function* gen() { try { for (let i = 0; ; i++) yield i; } finally { ret2++; } }
await toPromise(fold(fromIterable(gen()), 0, (a, x) => { if (x === 3) throw new Error("reducer"); return a + x; })).catch((e) => console.log("fold threw", e.message, "source return()", ret2));
// toAsyncIterable break → stream dropped
let ret3 = 0;
function* gen3() { try { for (let i = 0; ; i++) yield i; } finally { ret3++; } }
for await (const x of toAsyncIterable(fromIterable(gen3()))) { if (x === 2) break; }
console.log("for-await break → return()", ret3);
// asCompleted with a failing handle
const ex = new LocalExecutor();
const hs = [ex.spawn(function* () { yield* fromPromise(new Promise((r) => setTimeout(r, 20))); return "slow"; }()), ex.spawn(function* (): Coroutine<string> { yield* yieldNow(); throw new Error("fail"); }()), ex.spawn(ready("fast"))];
const seen: string[] = [];
ex.spawn(function* () { const s = asCompleted(hs); for (;;) { try { const v = yield* next(s); if (v === STREAM_END) break; seen.push(v as string); } catch (e: any) { seen.push("err:" + e.message); } } }());
await ex.run().catch((e) => console.log("run rejected", e.message));
console.log("asCompleted", seen);
// scope close from inside own task
const ex2 = new LocalExecutor();
const sc = new TaskScope({ executor: ex2 });
sc.spawn(function* () { yield* sc.close(); }());
const tm = setTimeout(() => { console.log("close-from-inside: HANG (documented)"); process.exit(0); }, 2000);
await ex2.run().then(() => console.log("close-from-inside run resolved"), (e) => console.log("close-from-inside rejected", e?.code, e?.message));
clearTimeout(tm);
