import { CancellationToken, blockOn, Context, PENDING } from "@spindle/core";
import { ClosedError, mpsc, SendError, Semaphore, watch, oneshot, MAX_PERMITS } from "@spindle/sync";
const [tx, rx] = mpsc.unbounded<number>(); rx.close();
try { tx.send(1); } catch (e: any) { console.log("SendError is ClosedError", e instanceof ClosedError, "what", e.what, "value", e.value); }
const s = new Semaphore(1); s.close(); try { s.tryAcquire(); } catch (e: any) { console.log("closed what", e.what); }
console.log("MAX_PERMITS", MAX_PERMITS);
// token child leak
const gc = (globalThis as any).gc;
const root = new CancellationToken();
gc(); const before = process.memoryUsage().heapUsed;
for (let i = 0; i < 100_000; i++) { const c = root.child(); const f = c.cancelled(); f.poll(Context.noop()); f[Symbol.dispose](); c[Symbol.dispose](); }
gc(); const mid = process.memoryUsage().heapUsed;
for (let i = 0; i < 100_000; i++) { const c = root.child(); c[Symbol.dispose](); }
gc(); const after = process.memoryUsage().heapUsed;
console.log("heap growth KB after 100k children+waiters:", Math.round((mid - before) / 1024), "then", Math.round((after - mid) / 1024));
// children never disposed (only dropped by GC)
for (let i = 0; i < 100_000; i++) root.child();
gc(); const after2 = process.memoryUsage().heapUsed;
console.log("100k undisposed children (unreachable): KB", Math.round((after2 - after) / 1024));
// onCancel registrations: is there an unregister?
const reg = root.onCancel(() => {});
console.log("onCancel returns", typeof reg, reg?.constructor?.name);
// signal listeners accumulate?
for (let i = 0; i < 100_000; i++) { const t = root.child(); void t.signal; t[Symbol.dispose](); }
gc(); console.log("100k children with signal read, disposed: KB", Math.round((process.memoryUsage().heapUsed - after2) / 1024));
