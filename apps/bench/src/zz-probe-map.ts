import { Runtime } from "@spindle/workstealing";
import type jobs from "./workstealing-map-peers/jobs.ts";
const items = Array.from({ length: 1_000_000 }, (_, i) => i);
const rt = await Runtime.start<typeof jobs>(new URL("./workstealing-map-peers/jobs.ts", import.meta.url), { workers: 2, maxExtraMachines: 0 });
const ts = [];
for (let r = 0; r < 10; r++) {
  const t0 = performance.now();
  const out = await rt.map("mapItem", items, { chunkSize: 10_000 });
  ts.push((performance.now() - t0).toFixed(0));
  if (out.length !== items.length) throw new Error();
}
console.log(ts.join(" "));
await rt.shutdown();
