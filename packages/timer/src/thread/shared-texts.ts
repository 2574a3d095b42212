/**
 * A few texts in a region of shared memory, as UTF-8: the form in which a thread leaves a summary
 * for every other thread to read with the close it publishes (the timer thread's error in
 * `thread-error.ts`, a corruption found in `corruption-summary.ts`).
 *
 * Layout of a region of `count` texts, at a 4-byte boundary: `count` Int32 words (the byte length
 * of each text), one Int32 word with a bit per text that was cut, then the texts one after the
 * other. Plain accesses: the writer publishes them with a later atomic store and the reader loads
 * that word first (see `SharedTimerState`).
 */

/**
 * Writes `texts` into `region`. A text that does not fit is cut at a character boundary, and the
 * ones after it get what room is left: put the longest, least needed text (a stack) last.
 */
export function writeTexts(region: Uint8Array, texts: readonly string[]): void {
  const headerWords = texts.length + 1;
  const header = new Int32Array(region.buffer, region.byteOffset, headerWords);
  // Into local memory first: an encoder may refuse a view of shared memory.
  const local = new Uint8Array(region.length - headerWords * 4);
  const encoder = new TextEncoder();
  let at = 0;
  let cut = 0;
  for (const [i, text] of texts.entries()) {
    const { read, written } = encoder.encodeInto(text, local.subarray(at));
    header[i] = written;
    if (read < text.length) cut |= 1 << i;
    at += written;
  }
  header[texts.length] = cut;
  region.set(local.subarray(0, at), headerWords * 4);
}

/**
 * The `count` texts {@linkcode writeTexts} wrote into `region`, a cut one ending in "…"; `null`
 * when the header does not describe texts within the region (corrupted: the caller then says
 * less, it never reads outside the region).
 */
export function readTexts(region: Uint8Array, count: number): string[] | null {
  const header = new Int32Array(region.buffer, region.byteOffset, count + 1);
  const cut = header[count]!;
  const texts: string[] = [];
  // Copied first: TextDecoder refuses a view of a SharedArrayBuffer on some runtimes.
  const bytes = region.slice((count + 1) * 4);
  const decoder = new TextDecoder();
  let at = 0;
  for (let i = 0; i < count; i++) {
    const length = header[i]!;
    if (length < 0 || length > bytes.length - at) return null;
    texts.push(decoder.decode(bytes.subarray(at, at + length)) + ((cut >> i) & 1 ? "…" : ""));
    at += length;
  }
  return texts;
}
