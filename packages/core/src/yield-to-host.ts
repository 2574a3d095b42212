/**
 * Lets the host event loop run one turn (timers, I/O, messages) before continuing: what a loop
 * that could otherwise keep the thread forever (an executor with ready tasks, a wake listener that
 * keeps being woken) awaits between rounds.
 */
export function yieldToHost(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
