// Child process of readme-checks.test.ts: a ValueEncoder made with a NaN capacity, then an encode that
// must grow its scratch buffer. Prints "refused" or "encoded <bytes>".
import { ValueEncoder } from "@spindle/codec";

let encoder: ValueEncoder;
try {
  encoder = new ValueEncoder(Number.NaN);
} catch (error) {
  console.log(`refused: ${(error as Error).message}`);
  throw error;
}
console.log(`encoded ${encoder.encode({ a: "x".repeat(1000) }, "message", "value")}`);
