import { Runtime } from "@spindle/workstealing";
import type jobs from "../src/readme-checks/jobs.ts";
const module = new URL("../src/readme-checks/jobs.ts", import.meta.url);
const runtime = await Runtime.start<typeof jobs>(module, { workers: 2 });
try { console.log(await runtime.spawn("slowSquare", 3)); } catch (e: any) { console.log(e.name, e.message, e.stack?.split("\n").slice(0, 4).join("\n")); }
await runtime.shutdown();
