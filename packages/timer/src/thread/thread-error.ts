/**
 * The timer thread's error as a few kilobytes of shared memory: its name, `code`, message and
 * stack as UTF-8 (`shared-texts.ts`), so that every client learns why the thread died from the
 * memory that tells it the thread died (`SharedTimerState`), whatever the order in which the
 * runtime delivers the thread's `error` and `exit` events, and on threads that receive neither. A
 * worker's `error` event does not carry the whole error everywhere either: Deno's has the message
 * only, Bun's loses the name of a subclass (measured), where the summary keeps name, code,
 * message and stack.
 */
import { readTexts, writeTexts } from "./shared-texts.ts";

/** Bytes of the region: the header and the texts. */
export const THREAD_ERROR_BYTES = 4_096;

/**
 * Writes what `error` says into `region`; never throws (what cannot be read is said as such).
 * Fields that do not fit are cut at a character boundary, the stack first (it is written last).
 */
export function writeThreadError(region: Uint8Array, error: unknown): void {
  writeTexts(region, fieldsOf(error));
}

/**
 * The error {@linkcode writeThreadError} summarised in `region`: an `Error` with the thread's
 * name, `code` (when it had a string one), message and stack, a cut field ending in "…"; `null`
 * when the region's header is corrupted (see `readTexts`).
 */
export function readThreadError(region: Uint8Array): Error | null {
  const texts = readTexts(region, 4);
  if (texts === null) return null;
  const [name, code, message, stack] = texts as [string, string, string, string];
  const error = new Error(message);
  error.name = name;
  if (code !== "") Object.defineProperty(error, "code", { value: code, enumerable: true });
  // The thread's stack, not this reader's: where the error was thrown is what it tells.
  Object.defineProperty(error, "stack", { value: stack, writable: true, configurable: true });
  return error;
}

/** Name, code, message and stack of `error`, each read guarded; of a non-error, its `String`. */
function fieldsOf(error: unknown): readonly [string, string, string, string] {
  try {
    if (!(error instanceof Error)) {
      const message = String(error);
      return ["Error", "", message, `Error: ${message} (a value thrown on the timer thread, without a stack)`];
    }
    const code: unknown = (error as { code?: unknown }).code;
    const stack: unknown = error.stack;
    return [
      String(error.name),
      typeof code === "string" ? code : "",
      String(error.message),
      typeof stack === "string" ? stack : "",
    ];
  } catch {
    const message = "an error that could not be read";
    return ["Error", "", message, `Error: ${message} (thrown on the timer thread)`];
  }
}
