import { Runtime } from "@spindle/workstealing";
import type jobs from "../src/readme-checks/jobs.ts";
const module = new URL("../src/readme-checks/jobs.ts", import.meta.url);
const runtime = await Runtime.start<typeof jobs>(module, { workers: 2 });
for (const v of [5, "ab", { length: 2 }, true]) console.log(JSON.stringify(v), "->", await runtime.map("square" as any, v as any).then((r) => JSON.stringify(r), (e) => `${e.name} ${e.code} ${e.message}`));
await runtime.shutdown();
