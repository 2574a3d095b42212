import process from "node:process";
import { Runtime } from "@spindle/workstealing";
import type jobs from "../src/readme-checks/jobs.ts";
const module = new URL("../src/readme-checks/jobs.ts", import.meta.url);
const runtime = await Runtime.start<typeof jobs>(module, { workers: 1 });
for (const v of [Number(process.argv[2])]) {
  try { const b = runtime.alloc(v); console.log("alloc", v, "OK", b.byteLength); b.release(); } catch (e: any) { console.log("alloc", v, "THROW", e.name, e.code, e.message.slice(0, 150)); }
  try { const b = runtime.alloc(64); console.log("  then alloc(64) OK"); b.release(); } catch (e: any) { console.log("  then alloc(64) THROW", e.name, e.message.slice(0, 150)); }
  console.log("  then spawn", await Promise.resolve(runtime.spawn("add", 1, 2)).catch((e) => e.message));
}
await runtime.shutdown();
