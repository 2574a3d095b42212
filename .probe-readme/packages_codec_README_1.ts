// packages/codec/README.md:55
import { decodeValue, move, SharedBuffer, SharedHeap, ValueEncoder } from "@spindle/codec";

const heap = SharedHeap.create(1 << 24);
const encoder = new ValueEncoder();
encoder.useHeap(heap.buffer);
const length = encoder.encode([move(new Float64Array(1 << 20).fill(2))], "job", "args"); // 8 MiB
console.log(length); // 19: the flags, an array holding one moved buffer's place, the list of moved buffers
const at = heap.alloc(length);
heap.bytes.set(encoder.bytes, at); // the message, stored where a receiver finds it
const [received] = decodeValue(heap.bytes.subarray(at, at + length)) as [SharedBuffer];
console.log(received.array(Float64Array)[12345]); // 2, read in place in the heap
received.release(); // the receiver's job
heap.free(at, length);
