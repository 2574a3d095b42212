import { decodeValue, SharedBuffer, SharedHeap, ValueEncoder } from "@spindle/codec";
function tryIt(label: string, f: () => unknown) {
  try { const r = f(); console.log(label, "OK ->", r); }
  catch (e: any) { console.log(label, "THROW", e?.name, e?.code ?? "", String(e?.message).slice(0, 140)); }
}
for (const v of [-1, NaN, 1.5, 2 ** 31, 3 << 20]) {
  const heap = SharedHeap.create(4 << 20);
  tryIt(`allocate(${v})`, () => { const b = SharedBuffer.allocate(heap.buffer, v); return `byteLength ${b.byteLength} bytes ${b.bytes().length}`; });
  tryIt(`  then allocate(16) x3`, () => [SharedBuffer.allocate(heap.buffer, 16), SharedBuffer.allocate(heap.buffer, 16), SharedBuffer.allocate(heap.buffer, 16)].map((b) => b.locate().header).join(","));
}
for (const v of [-1, 0, NaN, 2 ** 31]) {
  const heap = SharedHeap.create(4 << 20);
  tryIt(`heap.alloc(${v})`, () => heap.alloc(v));
  tryIt(`  then heap.alloc(16)`, () => [heap.alloc(16), heap.alloc(16)].join(","));
}
for (const v of [-1, 0, 1, 100, 2 ** 53]) tryIt(`SharedHeap.create(${v})`, () => { const h = SharedHeap.create(v); return `maxByteLength ${h.buffer.maxByteLength} alloc ${h.alloc(16)}`; });
const enc = new ValueEncoder(NaN);
tryIt("encoder(NaN) encode", () => { const n = enc.encode({ a: "x".repeat(1000) }, "m", "v"); return (decodeValue(enc.bytes.slice(0, n)) as any).a.length; });
const enc2 = new ValueEncoder(-1);
tryIt("encoder(-1) encode", () => { const n = enc2.encode([1, 2, 3], "m", "v"); return decodeValue(enc2.bytes.slice(0, n)); });
const enc3 = new ValueEncoder(); enc3.useHeap(5 as any);
tryIt("useHeap(5) encode plain", () => { const n = enc3.encode([1], "m", "v"); return decodeValue(enc3.bytes.slice(0, n)); });
let deep: any = []; for (let i = 0; i < 200000; i++) deep = [deep];
const enc4 = new ValueEncoder();
tryIt("deep", () => enc4.encode(deep, "m", "v"));
tryIt("after deep, encode small", () => { const n = enc4.encode({ ok: 1 }, "m", "v"); return decodeValue(enc4.bytes.slice(0, n)); });
console.log("structuredClone deep:", (() => { try { structuredClone(deep); return "ok"; } catch (e: any) { return e.name + " " + e.message; } })());
