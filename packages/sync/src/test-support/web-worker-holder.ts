// A Web Worker (Deno's and Bun's global Worker) for thread-death.test.ts: takes one permit of the
// semaphore it is sent and replies with its thread id as core sees it, then waits to be terminated.
import { currentThreadId } from "@spindle/core";
import { SharedSemaphore, type SharedSemaphoreHandle } from "../mod.ts";

const scope = globalThis as unknown as {
  onmessage: ((event: { data: SharedSemaphoreHandle }) => void) | null;
  postMessage(message: unknown): void;
};
scope.onmessage = (event) => {
  const permit = SharedSemaphore.from(event.data).tryAcquire(1);
  scope.postMessage({ threadId: currentThreadId(), permits: permit?.permits ?? 0 });
};
