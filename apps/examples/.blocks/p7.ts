import { Runtime, SharedBuffer, BufferReleasedError } from "@spindle/workstealing";
import type jobs from "../src/readme-checks/jobs.ts";
const module = new URL("../src/readme-checks/jobs.ts", import.meta.url);
async function tryIt(label: string, f: () => unknown) {
  try { const r = await f(); console.log(label, "OK ->", typeof r === "object" ? r?.constructor?.name : r); if (r instanceof Runtime) await r.shutdown({ mode: "cancel" }); }
  catch (e: any) { console.log(label, "THROW", e?.name, e?.code, e?.option ?? "", String(e?.message).slice(0, 160)); }
}
for (const [k, v] of [["workers", 0], ["workers", -1], ["workers", 1.5], ["workers", NaN], ["workers", "2"], ["minWorkers", 5], ["minWorkers", -1], ["minWorkers", 0], ["idleTimeout", -1], ["idleTimeout", NaN], ["idleTimeout", Infinity], ["maxJobsPerWorker", 0], ["maxJobsPerWorker", -5], ["maxJobsPerWorker", 1.5], ["maxMemoryBeforeRecycle", -1], ["maxMemoryBeforeRecycle", NaN], ["maxMemoryBeforeRecycle", "1"], ["metrics", "yes"], ["unref", 1], ["resourceLimits", 5], ["resourceLimits", { maxOldGenerationSizeMb: -1 }], ["resourceLimits", { bogus: 5 }], ["resourceLimits", { maxOldGenerationSizeMb: NaN }], ["resourceLimits", { stackSizeMb: 4 }]] as [string, unknown][]) {
  await tryIt(`start ${k}=${JSON.stringify(v)}`, () => Runtime.start<typeof jobs>(module, { workers: 2, [k]: v } as any));
}
const runtime = await Runtime.start<typeof jobs>(module, { workers: 2, metrics: true });
for (const v of [-1, NaN, 1.5, "8", 2 ** 40, 0, Infinity]) await tryIt(`alloc(${v})`, () => runtime.alloc(v as any));
const b = runtime.alloc(8 * 4);
b.array(Float64Array).fill(2);
console.log("sum", await runtime.spawn("sum", b));
b.release();
await tryIt("bytes after release", () => b.bytes());
await tryIt("release twice", () => b.release());
await tryIt("spawn with released", () => runtime.spawn("sum", b));
await tryIt("map with released", () => runtime.map("sum", [b]));
// map hostile
await tryIt("map unknown", () => runtime.map("nope" as any, [1]));
await tryIt("map chunkSize 0", () => runtime.map("square", [1, 2], { chunkSize: 0 }));
await tryIt("map chunkSize -1", () => runtime.map("square", [1, 2], { chunkSize: -1 }));
await tryIt("map chunkSize NaN", () => runtime.map("square", [1, 2], { chunkSize: NaN }));
await tryIt("map items 5", () => runtime.map("square", 5 as any));
await tryIt("map items null", () => runtime.map("square", null as any));
await tryIt("map empty", () => runtime.map("square", []).then((r) => JSON.stringify(r)));
await tryIt("map generator", () => runtime.map("square", (function* () { yield 2; yield 3; })()).then((r) => JSON.stringify(r)));
await tryIt("map uncloneable", () => runtime.map("square", [1, () => 2] as any));
await tryIt("map timeout -1", () => runtime.map("square", [1], { timeout: -1 }));
await tryIt("map signal 5", () => runtime.map("square", [1], { signal: 5 as any }));
await tryIt("map failing", () => runtime.map("failOn", Array.from({ length: 100 }, (_, i) => i), { chunkSize: 5 }));
const ac = new AbortController(); ac.abort(new Error("pre"));
await tryIt("map pre-aborted", () => runtime.map("square", [1, 2], { signal: ac.signal }));
await tryIt("join", () => runtime.spawn("pair", 3, 4).then((r) => JSON.stringify(r)));
await tryIt("join failing", () => runtime.spawn("pairFailing", 13));
await tryIt("scope", () => runtime.spawn("sumOfSquares", 10));
await tryIt("scope unjoined failing", () => runtime.spawn("scopeUnjoined", 20));
await tryIt("spawnWith timeout -1", () => runtime.spawnWith({ timeout: -1 }, "add", 1, 2));
await tryIt("spawnWith timeout NaN", () => runtime.spawnWith({ timeout: NaN }, "add", 1, 2));
await tryIt("spawnWith signal 5", () => runtime.spawnWith({ signal: 5 as any }, "add", 1, 2));
const m = runtime.metrics();
console.log("metrics jobs", Object.keys(m.jobs), "square run count", m.jobs.square?.run.count, "workers", m.workers.length, m.workers.map((w: any) => Number.isFinite(w.busyRatio)));
await runtime.shutdown();
await tryIt("alloc after shutdown", () => runtime.alloc(8));
await tryIt("map after shutdown", () => runtime.map("square", [1]));
await tryIt("metrics after shutdown", () => runtime.metrics());
