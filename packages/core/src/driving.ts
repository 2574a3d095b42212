/**
 * Whether this thread is inside an executor's poll loop right now. `blockOn` refuses to run there:
 * blocking the thread would stall every other task of that executor (tokio refuses the same).
 */
let depth = 0;

/** Marks the start of an executor's poll loop on this thread. */
export function enterDriving(): void {
  depth++;
}

/** Marks the end of an executor's poll loop on this thread. */
export function exitDriving(): void {
  depth--;
}

/** Whether an executor is polling tasks on this thread. */
export function isDriving(): boolean {
  return depth > 0;
}
