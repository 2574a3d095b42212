// docs/guides/core.md:17
import { Future, PENDING, replaceWaker, type Context, type Poll, type Waker } from "@spindle/core";

class Flag extends Future<void> {
  set = false;
  #waker: Waker | null = null;
  poll(cx: Context): Poll<void> {
    if (this.set) return;
    this.#waker = replaceWaker(this.#waker, cx.waker); // keeps it if it already wakes this task
    return PENDING;
  }
  raise(): void {
    this.set = true;
    this.#waker?.wake();
    this.#waker = null;
  }
  override [Symbol.dispose](): void {
    this.#waker?.drop(); // dropping deregisters
    this.#waker = null;
  }
}
