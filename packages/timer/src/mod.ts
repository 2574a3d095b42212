/**
 * Timers for `@spindle/core` futures, driven by one timer thread: `sleep`, `sleepUntil`,
 * `timeout` and `interval` with sub-millisecond precision, that wake tasks on any thread —
 * including a worker parked in `blockOn`. A fallback over the host's `setTimeout` and a virtual
 * clock for tests share the same API.
 *
 * @example
 * ```ts
 * import { LocalExecutor, type Coroutine } from "@spindle/core";
 * import { TimerReactor, type Timer } from "@spindle/timer";
 *
 * function* task(timer: Timer, name: string, ms: number, log: string[]): Coroutine<void> {
 *   log.push(`${name} start`);
 *   yield* timer.sleep(ms);
 *   log.push(`${name} after ${ms} ms`);
 * }
 * const reactor = await TimerReactor.start();
 * const log: string[] = [];
 * const executor = new LocalExecutor();
 * executor.spawn(task(reactor.timer, "t1", 30, log));
 * executor.spawn(task(reactor.timer, "t2", 10, log));
 * await executor.run();
 * console.log(log.join(", ")); // t1 start, t2 start, t2 after 10 ms, t1 after 30 ms
 * reactor.close(); // or `using reactor = …` where `using` is supported (not Node 22)
 * ```
 *
 * @module
 */
export { Instant } from "./instant.ts";
export { MAX_DURATION_MS } from "./durations.ts";
export { type CloseReason, ElapsedError, TimerClosedError, TimerStateError, TimerThreadStartError } from "./errors.ts";
export type { DriverKind } from "./driver.ts";
export { Sleep } from "./sleep.ts";
export { Interval, type IntervalOptions, type MissedTickBehavior } from "./interval.ts";
export { type ChunksTimeout, chunksTimeout, debounce, throttle, ticks, timeoutEach } from "./time-streams.ts";
export { type AbortOptions, type SharedTimer, Timer } from "./timer.ts";
export { type DriverChoice, TimerReactor, type TimerReactorOptions } from "./thread/timer-reactor.ts";
export { VirtualClock, type VirtualClockOptions } from "./virtual-clock.ts";
