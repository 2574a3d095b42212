import { Runtime } from "@spindle/workstealing";
import { sharedChannel } from "@spindle/sync";
import type jobs from "../src/readme-checks/jobs.ts";
const module = new URL("../src/readme-checks/jobs.ts", import.meta.url);
const runtime = await Runtime.start<typeof jobs>(module, { workers: 2 });
const [tx, rx] = sharedChannel<number>(4);
try { console.log("pipeTo", await runtime.spawn("pipeTo", tx.handle as never, 10)); } catch (e: any) { console.log("pipeTo THROW", e.name, e.message.slice(0, 200)); }
await runtime.shutdown();
