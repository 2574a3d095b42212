// When an idle machine retires: the workers beyond `minWorkers` after the runtime's `idleTimeout`,
// extra machines after EXTRA_MACHINE_IDLE_MS, the first `minWorkers` workers never.
import { EXTRA_MACHINE_IDLE_MS } from "./processor.ts";
import type { SharedStateSetup } from "./shared-state.ts";

/**
 * How long processor `p`'s machine may go without work before it retires (its thread exits; the
 * runtime starts it again when work is queued and no machine is free): `Infinity` for the first
 * `minWorkers` workers, the runtime's `idleTimeout` for the other workers, and
 * {@linkcode EXTRA_MACHINE_IDLE_MS} for extra machines.
 */
export function retireAfterMs(setup: SharedStateSetup, p: number): number {
  if (p < setup.minWorkers) return Infinity;
  return p < setup.workers ? setup.idleTimeoutMs : EXTRA_MACHINE_IDLE_MS;
}
