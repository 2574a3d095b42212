import { blockOn, Context, type Coroutine, LocalExecutor, next, PENDING, STREAM_END, race, yieldNow, select } from "@spindle/core";
import { Barrier, broadcast, ClosedError, mpsc, Mutex, Notify, oneshot, RwLock, Semaphore, SendError, watch } from "@spindle/sync";
const cx = Context.noop();
const show = (label: string, f: () => unknown) => { try { const r = f(); console.log(label, r === PENDING ? "PENDING" : r === STREAM_END ? "END" : r); } catch (e: any) { console.log(label, "THROW", e?.name, String(e?.message).slice(0, 120)); } };
// 13: receiver dropped while a send waits
{ const [tx, rx] = mpsc.bounded<number>(1); tx.trySend(1); const s = tx.send(2); show("send pending", () => s.poll(cx)); rx[Symbol.dispose](); show("send after rx drop", () => s.poll(cx)); }
{ const [tx, rx] = mpsc.bounded<number>(1); tx.trySend(1); const s = tx.send(2); show("send pending", () => s.poll(cx)); rx.close(); show("send after rx.close", () => s.poll(cx)); show("rx after close", () => rx.tryRecv()); show("rx after close 2", () => rx.tryRecv()); }
// executor version: does the waiting sender task get woken when rx dropped?
{ const [tx, rx] = mpsc.bounded<number>(1); tx.trySend(1); const ex = new LocalExecutor(); const h = ex.spawn(tx.send(2)); ex.spawn(function* () { yield* yieldNow(); yield* yieldNow(); rx[Symbol.dispose](); }()); const t = setTimeout(() => console.log("HANG: sender not woken on rx drop"), 2000); await ex.run().catch(() => {}); clearTimeout(t); await Promise.resolve(h).then(() => console.log("send resolved?"), (e) => console.log("sender woken:", e.name)); }
// 16: waiting writer dropped; readers behind it proceed
{ const l = new RwLock(0); const r1 = l.tryRead()!; const w = l.write(); show("writer", () => w.poll(cx)); const r2 = l.read(); show("reader behind writer", () => r2.poll(cx)); w[Symbol.dispose](); show("reader after writer dropped", () => (r2.poll(cx) as any)?.constructor?.name ?? "PENDING"); r1.release(); }
// writer fully granted then dropped before polling
{ const l = new RwLock(0); const r1 = l.tryRead()!; const w = l.write(); w.poll(cx); const r2 = l.read(); r2.poll(cx); r1.release(); w[Symbol.dispose](); show("reader after granted writer dropped", () => { const g = r2.poll(cx); return g === PENDING ? "PENDING" : "got"; }); show("isLocked?", () => (l as any).isLocked ?? "n/a"); }
// 18: barrier: round released then a waiter dropped before its poll
{ const b = new Barrier(2); const a = b.wait(); show("a", () => a.poll(cx)); const c = b.wait(); show("c (releases)", () => JSON.stringify(c.poll(cx))); a[Symbol.dispose](); const d = b.wait(); show("d next round", () => d.poll(cx)); const e = b.wait(); show("e completes round 2", () => JSON.stringify(e.poll(cx))); }
// semaphore: close while permit held; release after close
{ const s = new Semaphore(1); const p = s.tryAcquire()!; s.close(); show("release after close", () => p.release()); show("tryAcquire after close", () => s.tryAcquire()); }
// acquire(0) on closed, acquire more than MAX while available
{ const s = new Semaphore(0); s.close(); show("acquire(0) closed", () => s.acquire(0).poll(cx)); }
// mutex: lock future polled to completion then disposed → guard still valid?
{ const m = new Mutex(1); const f = m.lock(); const g: any = f.poll(cx); f[Symbol.dispose](); show("locked after completed future dispose", () => m.isLocked); g.release(); show("unlocked", () => m.isLocked); }
// oneshot: receiver as stream and double poll
{ const [tx, rx] = oneshot<number>(); tx.send(1); show("oneshot pollNext", () => rx.pollNext(cx)); show("oneshot pollNext 2", () => rx.pollNext(cx)); show("oneshot send twice", () => tx.send(2)); }
{ const [tx, rx] = oneshot<number>(); tx.send(1); show("oneshot poll", () => rx.poll(cx)); show("oneshot poll again", () => rx.poll(cx)); }
// watch as stream
{ const [tx, rx] = watch(1); show("watch pollNext first", () => rx.pollNext(cx)); show("watch pollNext second", () => rx.pollNext(cx)); tx.send(2); tx.send(3); show("watch after 2 sends", () => rx.pollNext(cx)); tx.drop(); show("watch after drop", () => rx.pollNext(cx)); }
// broadcast: receiver created after sends sees only new; capacity exact
{ const [tx, rx] = broadcast<number>(3); tx.send(1); const late = tx.subscribe(); tx.send(2); show("late recv", () => late.tryRecv()); show("late recv2", () => late.tryRecv()); show("rx len", () => rx.length); const re = rx.resubscribe(); show("resubscribe recv", () => re.tryRecv()); }
// broadcast lag with executor loop catching
{ const [tx, rx] = broadcast<number>(2); for (let i = 0; i < 10; i++) tx.send(i); const got: string[] = []; for (;;) { try { const v = rx.tryRecv(); if (v === PENDING || v === STREAM_END) break; got.push(String(v)); } catch (e: any) { got.push(`lag${e.missed}`); } } console.log("broadcast after lag", got.join(",")); }
// notify: notifyWaiters on dropped waiters
{ const n = new Notify(); const a = n.notified(); a.poll(cx); a[Symbol.dispose](); n.notifyWaiters(); show("after notifyWaiters with dropped: new notified", () => n.notified().poll(cx)); n.notifyOne(); const b = n.notified(); const c = n.notified(); show("b", () => b.poll(cx)); show("c", () => c.poll(cx)); }
// select on mpsc recv: loser handed back and reused
{ const [tx, rx] = mpsc.unbounded<number>(); const [tx2, rx2] = mpsc.unbounded<number>(); tx2.send(9); const r = blockOn(select(rx.recv(), rx2.recv())); console.log("select", JSON.stringify(r, (k, v) => typeof v === "object" && v !== null && !Array.isArray(v) ? v.constructor?.name : v)); tx.send(5); }
