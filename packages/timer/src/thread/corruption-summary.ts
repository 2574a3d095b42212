/**
 * What a thread found corrupted in the timer's shared state, as shared memory: the
 * {@linkcode TimerStateError}'s field, expected values, value and stack, as UTF-8
 * (`shared-texts.ts`), so that every client fails with the finding as cause from the close on,
 * whichever thread found it. Before, only the finder had it, and the creator once the timer
 * thread's `corrupted` message reached it: a creator woken by the thread (or parked in `blockOn`)
 * failed first with a cause that said only that another thread found something.
 */
import { TimerStateError } from "../errors.ts";
import { readTexts, writeTexts } from "./shared-texts.ts";

/** Bytes of the region: the header and the texts. */
export const CORRUPTION_BYTES = 2_048;

/** The texts: field, expected, the value's kind (`number` or `string`), the value, the stack. */
const TEXTS = 5;

/** Writes `found` into `region`; the stack is cut first if it does not fit (it is written last). */
export function writeCorruption(region: Uint8Array, found: TimerStateError): void {
  // The values found in use are Int32 or Float64 words (NaN too), or a text saying how long the
  // lock was held: a number is written as its `String`, which `Number` reads back exactly.
  const value: unknown = found.value;
  const kind = typeof value === "number" ? "number" : "string";
  writeTexts(region, [found.field, found.expected, kind, String(value), String(found.stack)]);
}

/**
 * The finding {@linkcode writeCorruption} summarised in `region`: a `TimerStateError` with the
 * same field, value, expected values and message, and the finder's stack (where it was found);
 * `null` when the region's header is corrupted (see `readTexts`).
 */
export function readCorruption(region: Uint8Array): TimerStateError | null {
  const texts = readTexts(region, TEXTS);
  if (texts === null) return null;
  const [field, expected, kind, value, stack] = texts as [string, string, string, string, string];
  const found = new TimerStateError(field, kind === "number" ? Number(value) : value, expected, false);
  // The finder's stack, not this reader's: where the corruption was met is what it tells.
  Object.defineProperty(found, "stack", { value: stack, writable: true, configurable: true });
  return found;
}
