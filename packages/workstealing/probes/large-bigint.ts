// The probe behind the codec's linear-time bigints (issue 17, item 14; not published, not a test).
// Times encoding and decoding one bigint of each size with the job codec, beside structuredClone.
// Run from the repository root, on each runtime (sizes in KiB, default 512 2048):
//   node --conditions=@spindle/source packages/workstealing/probes/large-bigint.ts 512 2048
//   deno run -A --conditions=@spindle/source packages/workstealing/probes/large-bigint.ts
//   bun --conditions=@spindle/source packages/workstealing/probes/large-bigint.ts
// Measured on the 2-vCPU machine, loaded by other test runs (512 KiB, positive / negative):
//   before (64-bit words peeled off with `>> 64n`, rebuilt with `<< 64n`): encode 30-52 s and
//   decode 42-49 s on Node 22, 33-34 s / 28-42 s on Node 24, 15 s / 33-37 s on Deno, 4 s / 4.5 s
//   on Bun; after (hex digits): 6-30 ms each way on every runtime, 2 MiB in 12-84 ms.
import process from "node:process";
import { decodeValue } from "@spindle/codec";
import { ValueEncoder } from "@spindle/codec";

const sizes = process.argv.slice(2).map(Number);
for (const kib of sizes.length > 0 ? sizes : [512, 2048]) {
  const digits = Array.from({ length: kib * 1024 }, (_, i) => ((i * 2654435761) >>> 24).toString(16).padStart(2, "0"));
  digits[0] = "9f"; // the top byte is not zero
  const magnitude = BigInt(`0x${digits.join("")}`);
  for (const value of [magnitude, -magnitude]) {
    const encoder = new ValueEncoder();
    let start = performance.now();
    const length = encoder.encode(value, "big", "args");
    const encodeMs = performance.now() - start;
    const bytes = encoder.bytes.slice(0, length);
    start = performance.now();
    const decoded = decodeValue(bytes);
    const decodeMs = performance.now() - start;
    start = performance.now();
    structuredClone(value);
    const cloneMs = performance.now() - start;
    console.log(
      `${kib} KiB ${value < 0n ? "negative" : "positive"}: encode ${encodeMs.toFixed(1)} ms, decode ${
        decodeMs.toFixed(1)
      } ms, ` +
        `structuredClone ${cloneMs.toFixed(1)} ms, round trip ${decoded === value ? "equal" : "DIFFERENT"}`,
    );
  }
}
