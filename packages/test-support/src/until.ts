/**
 * Resolves once `done()` is true, checking every `everyMs` milliseconds; fails naming `what`
 * after `limitMs` (a hang bound, not a measure).
 */
export async function until(done: () => boolean, what: string, limitMs = 10_000, everyMs = 2): Promise<void> {
  const start = Date.now();
  while (!done()) {
    if (Date.now() - start > limitMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
