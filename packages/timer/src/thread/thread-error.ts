/**
 * The timer thread's error as a few kilobytes of shared memory: its name, `code`, message and
 * stack as UTF-8, so that every client learns why the thread died from the memory that tells it
 * the thread died (`SharedTimerState`), whatever the order in which the runtime delivers the
 * thread's `error` and `exit` events, and on threads that receive neither. A worker's `error`
 * event does not carry the whole error everywhere either: Deno's has the message only, Bun's
 * loses the name of a subclass (measured), where the summary keeps name, code, message and stack.
 *
 * Layout of the region, at an 8-byte boundary: five Int32 words (the byte lengths of the name,
 * code, message and stack, then a bit per field that was cut), then the four texts one after the
 * other. Plain accesses: the writer publishes them with a later atomic store and the reader loads
 * that word first (see `SharedTimerState`).
 */

/** Bytes of the region: the header and the texts. */
export const THREAD_ERROR_BYTES = 4_096;

/** The header's words: four lengths and the mask of the fields that were cut. */
const HEADER_WORDS = 5;
const CUT = 4;

/**
 * Writes what `error` says into `region`; never throws (what cannot be read is said as such).
 * Fields that do not fit are cut at a character boundary, the stack first (it is written last).
 */
export function writeThreadError(region: Uint8Array, error: unknown): void {
  const header = new Int32Array(region.buffer, region.byteOffset, HEADER_WORDS);
  // Into local memory first: an encoder may refuse a view of shared memory.
  const local = new Uint8Array(region.length - HEADER_WORDS * 4);
  const encoder = new TextEncoder();
  let at = 0;
  let cut = 0;
  for (const [i, text] of fieldsOf(error).entries()) {
    const { read, written } = encoder.encodeInto(text, local.subarray(at));
    header[i] = written;
    if (read < text.length) cut |= 1 << i;
    at += written;
  }
  header[CUT] = cut;
  region.set(local.subarray(0, at), HEADER_WORDS * 4);
}

/**
 * The error {@linkcode writeThreadError} summarised in `region`: an `Error` with the thread's
 * name, `code` (when it had a string one), message and stack, a cut field ending in "…"; `null`
 * when the header does not describe texts within the region (corrupted: the caller then says
 * less, it never reads outside the region).
 */
export function readThreadError(region: Uint8Array): Error | null {
  const header = new Int32Array(region.buffer, region.byteOffset, HEADER_WORDS);
  const texts: string[] = [];
  // Copied first: TextDecoder refuses a view of a SharedArrayBuffer on some runtimes.
  const bytes = region.slice(HEADER_WORDS * 4);
  const decoder = new TextDecoder();
  let at = 0;
  for (let i = 0; i < CUT; i++) {
    const length = header[i]!;
    if (length < 0 || length > bytes.length - at) return null;
    texts.push(decoder.decode(bytes.subarray(at, at + length)) + ((header[CUT]! >> i) & 1 ? "…" : ""));
    at += length;
  }
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
