import { KEY } from "./construct-key.ts";
import { describe, noPublicConstructor, SpindleError } from "@spindle/core";
import { checkInterest } from "./readiness.ts";
import { Registration } from "./registration.ts";

/**
 * Something that produces readiness events: a socket backend, or any source a user builds. The
 * reactor starts it with the registration to report to, and stops it when the registration is
 * dropped.
 */
export interface EventSource {
  /** Begins reporting readiness through `registration.setReady(bits)`. */
  start(registration: Registration): void;
  /** Stops reporting; called once, when the registration is dropped. */
  stop(): void;
}

let current: Reactor | null = null;

/**
 * The I/O reactor of one thread, shared by every socket of that thread: a source registers with
 * an interest and reports readiness events; tasks wait on the registration's readiness. On these
 * runtimes the events come from the host's own callbacks, so the reactor needs no thread of its
 * own: it keeps the registrations, and a readiness event wakes the waiting task at once.
 *
 * @example
 * ```ts
 * import { Interest, Reactor } from "@spindle/reactor-net";
 *
 * const reactor = Reactor.forThisThread();
 * const registration = reactor.register({ start() {}, stop() {} }, Interest.READABLE);
 * console.log(reactor.registrations); // 1
 * registration[Symbol.dispose]();
 * console.log(reactor.registrations); // 0
 * ```
 */
export class Reactor {
  readonly #registrations = new Map<Registration, EventSource>();

  private constructor(key: typeof KEY) {
    if (key !== KEY) throw noPublicConstructor("Reactor", "use Reactor.forThisThread()", key);
  }

  /** This thread's reactor, created on first use. */
  static forThisThread(): Reactor {
    current ??= new Reactor(KEY);
    return current;
  }

  /** How many sources are registered. */
  get registrations(): number {
    return this.#registrations.size;
  }

  /**
   * Registers `source` for `interest` (`Interest.READABLE`, `Interest.WRITABLE` or both) and starts
   * it; drop the returned registration to stop and deregister it.
   */
  register(source: EventSource, interest: number): Registration {
    if (typeof source?.start !== "function" || typeof source.stop !== "function") {
      throw new SpindleError(
        "INVALID_ARGUMENT",
        `register() needs a source with start(registration) and stop() methods, got ${describe(source)}`,
      );
    }
    checkInterest(interest, "register()");
    const registration = new Registration(interest, (r) => this.#deregister(r));
    this.#registrations.set(registration, source);
    try {
      source.start(registration);
    } catch (error) {
      this.#registrations.delete(registration); // a source that failed to start is not registered
      throw error;
    }
    return registration;
  }

  #deregister(registration: Registration): void {
    const source = this.#registrations.get(registration);
    if (source === undefined) return;
    this.#registrations.delete(registration);
    source.stop();
  }
}
