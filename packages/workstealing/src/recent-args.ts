import { BLOCK_BYTES } from "@spindle/codec";

/** How many children's arguments a machine keeps (a power of two). */
const CAPACITY = 64;

/**
 * The arguments of the children a machine spawned last, when all of them are primitives, by job
 * id. A child its joiner takes back (rayon's `join`: most children in a fork/join) runs with them
 * instead of decoding its record's copy, which is equal to them: the value codec keeps every
 * primitive as it was (`Object.is`, `-0` and lone surrogates included), and primitives cannot be
 * changed after `spawn`. Direct-mapped: a new child replaces whatever shared its entry, so an
 * entry is never stale for a job id this machine spawns (a recycled id is written over at its
 * spawn, cleared when its arguments are not all primitives).
 *
 * @example
 * ```ts
 * import { RecentArgs } from "./recent-args.ts";
 *
 * const recent = new RecentArgs();
 * recent.remember(32, [30, 20]);
 * recent.remember(64, [{ big: true }]); // not kept: an object may change after spawn
 * console.log(recent.take(32), recent.take(32), recent.take(64)); // [ 30, 20 ] undefined undefined
 * ```
 */
export class RecentArgs {
  readonly #ids = new Int32Array(CAPACITY);
  readonly #args: (unknown[] | undefined)[] = new Array(CAPACITY).fill(undefined);

  /** Keeps the arguments of job `id` (a record id) if all of them are primitives. */
  remember(id: number, args: unknown[]): void {
    const entry = entryOf(id);
    if (allPrimitive(args)) {
      this.#ids[entry] = id;
      this.#args[entry] = args;
    } else if (this.#ids[entry] !== 0) {
      this.#ids[entry] = 0;
      this.#args[entry] = undefined;
    }
  }

  /** The arguments kept for job `id`, once; `undefined` when none are. */
  take(id: number): unknown[] | undefined {
    const entry = entryOf(id);
    if (this.#ids[entry] !== id) return undefined;
    const args = this.#args[entry];
    this.#ids[entry] = 0;
    this.#args[entry] = undefined;
    return args;
  }
}

/** Record ids are multiples of a block's words: the entry is the block number's low bits. */
const entryOf = (id: number): number => (id / (BLOCK_BYTES >> 2)) & (CAPACITY - 1);

function allPrimitive(args: unknown[]): boolean {
  for (let i = 0; i < args.length; i++) {
    const value = args[i];
    const type = typeof value;
    if ((type === "object" && value !== null) || type === "function") return false;
  }
  return true;
}
