// What an error says, in a few words of shared memory that need no heap: the fallback when the
// shared heap cannot take a whole encoded error (an outcome that could not be written, a crash
// report with no room), so that the reader still learns the error's name and the start of its
// message.

/** Words a summary takes besides its text: its text's length in bytes, and whether it was cut. */
const HEADER_WORDS = 2;

/**
 * Writes the name, `code` and message of `error` (or what `String` makes of a non-error) into
 * `words[at, at + capacity)`, as UTF-8 cut at a character boundary to fit. Plain writes: the
 * caller publishes them with a later `Atomics` store, which the reader loads before
 * {@linkcode readErrorSummary}. Never throws (what cannot be read is said as such).
 */
export function writeErrorSummary(words: Int32Array, at: number, capacity: number, error: unknown): void {
  const text = headline(error);
  // Into local memory first (an encoder may refuse a view of shared memory), whole characters
  // only: the cut never splits one.
  const local = new Uint8Array((capacity - HEADER_WORDS) * 4);
  const { read, written } = new TextEncoder().encodeInto(text, local);
  new Uint8Array(words.buffer, words.byteOffset + (at + HEADER_WORDS) * 4, written).set(local.subarray(0, written));
  words[at] = written;
  words[at + 1] = read < text.length ? 1 : 0;
}

/**
 * The error that {@linkcode writeErrorSummary} summarised at `words[at]`: an `Error` with its
 * name, `code` (when it had a string one) and (start of) its message, a cut message ending in "…";
 * `options.cause`, when given, says why only a summary is known.
 */
export function readErrorSummary(words: Int32Array, at: number, options?: ErrorOptions): Error {
  const length = words[at] as number;
  const cut = words[at + 1] === 1;
  const bytes = new Uint8Array(words.buffer, words.byteOffset + (at + HEADER_WORDS) * 4, length);
  // Copied first: TextDecoder refuses a view of a SharedArrayBuffer on some runtimes.
  const text = new TextDecoder().decode(bytes.slice());
  const ending = cut ? "…" : "";
  const [name = "", code = "", ...message] = text.split("\n");
  // Cut within its name or code: all of it goes as the message, a wrong name misleading more than none.
  if (message.length === 0) return new Error(`${text.replaceAll("\n", ": ")}${ending}`, options);
  const error = new Error(`${message.join("\n")}${ending}`, options);
  error.name = name;
  if (code !== "") Object.defineProperty(error, "code", { value: code, enumerable: true });
  return error;
}

/**
 * The words {@linkcode writeErrorSummary} needs to keep all of what `error` says (header
 * included): a caller that writes two summaries into one stretch of words sizes the first with it.
 */
export function summaryWords(error: unknown): number {
  return HEADER_WORDS + Math.ceil(new TextEncoder().encode(headline(error)).length / 4);
}

/**
 * Where the summary written at `words[at]` ends: the first word after its text, where a second
 * summary may start. Plain reads, as {@linkcode readErrorSummary}'s.
 */
export function summaryEnd(words: Int32Array, at: number): number {
  return at + HEADER_WORDS + Math.ceil((words[at] as number) / 4);
}

/** `name\ncode\nmessage` of an error (code: its string `code`, if any), each read guarded; `String(value)` of anything else. */
function headline(error: unknown): string {
  try {
    if (!(error instanceof Error)) return `Error\n\n${String(error)}`;
    const code: unknown = (error as { code?: unknown }).code;
    return `${String(error.name)}\n${typeof code === "string" ? code : ""}\n${String(error.message)}`;
  } catch {
    return "Error\n\n(an error that could not be read)";
  }
}
