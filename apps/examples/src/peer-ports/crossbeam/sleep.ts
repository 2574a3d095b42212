/** `thread::sleep(ms)`, for a thread that may block (a worker; not a thread whose event loop must turn). */
export function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
