// packages/codec/README.md:8
import { decodeValue, ValueEncoder } from "@spindle/codec";

const encoder = new ValueEncoder(); // reuse one per thread: its scratch buffer only grows
const length = encoder.encode({ id: 7, tags: ["a", "b"] }, "message", "value");
const copy = decodeValue(encoder.bytes.slice()); // `bytes` is valid until the next encode
console.log(length, copy); // 32 { id: 7, tags: [ "a", "b" ] }
