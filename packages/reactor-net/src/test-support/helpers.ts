/**
 * Test support (not published): what the socket tests share — text in and out of datagrams and a
 * plain sleep (bounded waits and the counting waker come from @spindle/test-support).
 */

/** UTF-8 bytes of `s`. */
export const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** The UTF-8 text of `b`. */
export const str = (b: Uint8Array): string => new TextDecoder().decode(b);

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
