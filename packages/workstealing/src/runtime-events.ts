// The runtime's events, as a piscina user listens for them: "drain" (the queue of jobs spawned from
// the runtime's thread is empty after work was spawned) and "needsDrain" (the bounded queue became
// full). The runtime's thread does not see workers take jobs (they pop the injector in shared
// memory), so its monitor looks every 10 ms, and only once a listener was added.
import { describe, SpindleError } from "@spindle/core";

/** The events of a {@linkcode Runtime}, by type. */
export interface RuntimeEventMap {
  /**
   * The queue (`runtime.queueSize`) was found empty after jobs were spawned (here or inside jobs)
   * since the last look: piscina's `drain`. At most once per look (every 10 ms).
   */
  readonly drain: Event;
  /** The bounded queue (`queue: { limit }`) was found full, after a look that found it not: piscina's `needsDrain`. */
  readonly needsDrain: Event;
}

/** The listener options the runtime's events take. */
export interface RuntimeListenerOptions {
  /** Removes the listener after its first call. */
  readonly once?: boolean;
  /** Removes the listener when the signal fires. */
  readonly signal?: AbortSignal;
}

const TYPES: readonly string[] = ["drain", "needsDrain"] satisfies readonly (keyof RuntimeEventMap)[];

/** What the monitor reads at each look: the queue's size, whether it is full, jobs spawned so far. */
export interface QueueReading {
  readonly size: number;
  readonly full: boolean;
  readonly spawned: number;
}

/** The runtime's event target and what its monitor last saw. */
export class RuntimeEvents {
  readonly #target = new EventTarget();
  /** Whether a listener was ever added: until then the monitor does not look. */
  #listened = false;
  #lastSize = 0;
  #lastFull = false;
  #lastSpawned = 0;

  /** Whether the monitor should look (a listener was added). */
  get listened(): boolean {
    return this.#listened;
  }

  add(type: unknown, listener: unknown, options: RuntimeListenerOptions | undefined, now: QueueReading): void {
    checkListener("addEventListener", type, listener);
    if (!this.#listened) {
      // The first look compares with the queue as it is now, not with an empty start.
      this.#lastSize = now.size;
      this.#lastFull = now.full;
      this.#lastSpawned = now.spawned;
      this.#listened = true;
    }
    this.#target.addEventListener(type as string, listener as (event: Event) => void, options);
  }

  remove(type: unknown, listener: unknown): void {
    checkListener("removeEventListener", type, listener);
    this.#target.removeEventListener(type as string, listener as (event: Event) => void);
  }

  /** The monitor's look: dispatches what changed since the last one. */
  look(now: QueueReading): void {
    const drained = now.size === 0 && (this.#lastSize > 0 || now.spawned !== this.#lastSpawned);
    const filled = now.full && !this.#lastFull;
    this.#lastSize = now.size;
    this.#lastFull = now.full;
    this.#lastSpawned = now.spawned;
    if (filled) this.#target.dispatchEvent(new Event("needsDrain"));
    if (drained) this.#target.dispatchEvent(new Event("drain"));
  }
}

function checkListener(method: string, type: unknown, listener: unknown): void {
  if (typeof type !== "string" || !TYPES.includes(type)) {
    throw new SpindleError(
      "INVALID_ARGUMENT",
      `${method}: the runtime's events are ${TYPES.map((t) => JSON.stringify(t)).join(" and ")}, got ${describe(type)}`,
    );
  }
  if (typeof listener !== "function") {
    throw new SpindleError(
      "INVALID_ARGUMENT",
      `${method}(${JSON.stringify(type)}): the listener must be a function, got ${describe(listener)}`,
    );
  }
}
