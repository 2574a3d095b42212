import { decodeValue, SharedBuffer, SharedHeap, ValueEncoder, CorruptValueError, UncloneableValueError, BufferReleasedError } from "@spindle/codec";
function tryIt(label: string, f: () => unknown) {
  try { const r = f(); console.log(label, "OK ->", r instanceof Object ? (r.constructor?.name ?? "obj") : r); return r; }
  catch (e: any) { console.log(label, "THROW", e?.name, e?.code ?? "", e?.path ?? "", e?.offset ?? "", String(e?.message).slice(0, 140)); }
}
const enc = new ValueEncoder();
const rt = (v: unknown) => { const n = enc.encode(v, "m", "v"); return decodeValue(enc.bytes.slice(0, n)); };
const cyc: any = { a: 1 }; cyc.self = cyc; cyc.arr = [cyc];
const back: any = rt(cyc); console.log("cycle", back.self === back, back.arr[0] === back);
console.log("sparse", rt([1, , 3]), "neg zero", Object.is(rt(-0), -0), "NaN", rt(NaN), "bigint", rt(-(2n ** 100n)));
console.log("map/set/date/regexp", rt(new Map([[1, { x: 1 }]])), rt(new Set(["a"])), rt(new Date(0)), rt(/a+/gi));
const e = new TypeError("bad", { cause: new Error("inner") }); (e as any).extra = 5;
const eb: any = rt(e); console.log("error", eb.name, eb.message, eb.cause?.message, eb.extra, eb instanceof TypeError);
console.log("typed sub", rt(new Uint8Array([1, 2, 3, 4]).subarray(1, 3)), "dataview", (rt(new DataView(new ArrayBuffer(4))) as any).byteLength);
console.log("boxed", rt(new String("x")), rt(Object(1n)));
console.log("nullproto", rt(Object.assign(Object.create(null), { a: 1 })));
tryIt("class instance", () => rt(new (class Foo { x = 1 })()));
tryIt("symbol", () => rt({ a: [1, Symbol("s")] }));
tryIt("SAB", () => rt(new SharedArrayBuffer(8)));
tryIt("WeakMap", () => rt(new WeakMap()));
tryIt("Promise", () => rt(Promise.resolve()));
tryIt("proxy throwing", () => rt(new Proxy({}, { ownKeys() { throw new Error("trap"); } })));
let deep: any = []; for (let i = 0; i < 200000; i++) deep = [deep];
tryIt("deep 200k nesting", () => { enc.encode(deep, "m", "v"); return "encoded"; });
let deepObj: any = {}; for (let i = 0; i < 100000; i++) deepObj = { d: deepObj };
tryIt("deep obj 100k", () => { enc.encode(deepObj, "m", "v"); return decodeValue(enc.bytes.slice()) ? "ok" : "?"; });
tryIt("huge string 50MB", () => { enc.encode("x".repeat(50_000_000), "m", "v"); return (decodeValue(enc.bytes.slice()) as string).length; });
tryIt("lone surrogate", () => rt("\ud800x") === "\ud800x");
// corrupt bytes
for (const bytes of [new Uint8Array([]), new Uint8Array([255]), new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]), new Uint8Array(64).fill(0xff)]) tryIt(`decode ${bytes.length} bytes`, () => decodeValue(bytes));
tryIt("decode 5", () => decodeValue(5 as any));
// random fuzz of a real encoding: any outcome except a non-CorruptValueError / hang
const len = enc.encode({ a: [1, "two", 3n, new Map([[1, 2]])], b: new Date(5), c: new Float64Array(4) }, "m", "v");
const good = enc.bytes.slice(0, len);
let seed = 1; const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
const kinds = new Map<string, number>();
for (let i = 0; i < 20000; i++) {
  const b = good.slice(); const n = 1 + (rnd() % 3); for (let k = 0; k < n; k++) b[rnd() % b.length] = rnd() & 0xff;
  const cut = rnd() % 4 === 0 ? b.subarray(0, rnd() % b.length) : b;
  try { decodeValue(cut); kinds.set("ok", (kinds.get("ok") ?? 0) + 1); }
  catch (e: any) { const k = e instanceof CorruptValueError ? "CorruptValueError" : `${e?.name}: ${String(e?.message).slice(0, 80)}`; kinds.set(k, (kinds.get(k) ?? 0) + 1); }
}
console.log("fuzz", kinds);
// encoder args
tryIt("ValueEncoder(-1)", () => new ValueEncoder(-1));
tryIt("ValueEncoder(NaN)", () => new ValueEncoder(NaN));
tryIt("useHeap(5)", () => enc.useHeap(5 as any));
// SharedHeap / SharedBuffer
tryIt("SharedHeap.create(-1)", () => SharedHeap.create(-1));
tryIt("SharedHeap.create(NaN)", () => SharedHeap.create(NaN));
tryIt("SharedHeap.create(0)", () => SharedHeap.create(0));
tryIt("new SharedHeap(zeroed SAB)", () => new SharedHeap(new SharedArrayBuffer(1024)).alloc(8));
tryIt("new SharedHeap(5)", () => new SharedHeap(5 as any));
const heap = SharedHeap.create(1 << 20);
for (const v of [-1, NaN, 1.5, 2 ** 31, 2 << 20]) tryIt(`SharedBuffer.allocate(${v})`, () => SharedBuffer.allocate(heap.buffer, v));
tryIt("allocate on plain SAB", () => SharedBuffer.allocate(new SharedArrayBuffer(1024), 8));
tryIt("heap.alloc(-1)", () => heap.alloc(-1));
tryIt("heap.alloc(2**31)", () => heap.alloc(2 ** 31));
tryIt("heap.free(bogus)", () => heap.free(12345, 8));
const sb = SharedBuffer.allocate(heap.buffer, 16);
tryIt("array(Float64Array)", () => sb.array(Float64Array).length);
tryIt("array(Object)", () => sb.array(Object as any));
tryIt("SharedBuffer.at(bogus)", () => SharedBuffer.at(heap.buffer, 7));
tryIt("SharedBuffer.at(huge)", () => SharedBuffer.at(heap.buffer, 2 ** 40));
const where = sb.locate();
sb.release();
tryIt("at(released)", () => SharedBuffer.at(where.heap, where.header));
tryIt("encode released", () => { enc.useHeap(heap.buffer); return enc.encode({ b: sb }, "m", "v"); });
const other = SharedHeap.create(1 << 20);
const sb2 = SharedBuffer.allocate(other.buffer, 16);
tryIt("encode other heap's buffer", () => { enc.useHeap(heap.buffer); return enc.encode(sb2, "m", "v"); });
tryIt("encode without heap", () => new ValueEncoder().encode(sb2, "m", "v"));
const enc2 = new ValueEncoder(); enc2.useHeap(other.buffer);
const l2 = enc2.encode({ s: sb2 }, "m", "v");
const d2: any = decodeValue(enc2.bytes.slice(0, l2)); console.log("decoded buffer is SharedBuffer", d2.s instanceof SharedBuffer, d2.s.byteLength);
