// Run by thread-start.test.ts on Deno without --allow-read: prints how starting the timer thread
// fails (`driver: "thread"`) and what `"auto"` falls back with, as one JSON line.
import { TimerReactor } from "../mod.ts";

let thread: unknown;
try {
  (await TimerReactor.start({ driver: "thread" })).close();
} catch (error) {
  thread = {
    name: (error as Error).name,
    flag: (error as { flag?: unknown }).flag,
    cause: ((error as Error).cause as Error)?.name,
  };
}
const auto = await TimerReactor.start({ warnOnFallback: false });
console.log(
  JSON.stringify({
    thread,
    driver: auto.driver,
    reason: auto.fallbackReason?.name,
    flag: (auto.fallbackReason as { flag?: unknown } | null)?.flag,
  }),
);
auto.close();
