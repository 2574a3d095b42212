// packages/workstealing/README.md:236
import { Runtime } from "@spindle/workstealing";
import type jobs from "./src/examples/jobs.ts";

const module = new URL("./src/examples/jobs.ts", import.meta.url);
const runtime = await Runtime.start<typeof jobs>(module, { workers: 2 });
const items = Array.from({ length: 100_000 }, (_, i) => i);
const squares = await runtime.map("square", items, { chunkSize: 1_000 }); // in the items' order
console.log(squares.length, squares[99_999]); // 100000 9999800001
await runtime.shutdown();
