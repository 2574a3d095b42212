// Helpers of the README checks: a waker that counts its wakes, and a poll through it.
import { spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { Context, PENDING, type RawWakerVTable, Waker } from "@spindle/core";

/** A context whose waker counts `wake` / `wakeByRef` calls (clones share the count). */
export class CountingContext {
  wakes = 0;
  readonly cx: Context;
  constructor() {
    const vtable: RawWakerVTable<CountingContext> = {
      clone: (data) => ({ data, vtable }),
      wake: (data) => void data.wakes++,
      wakeByRef: (data) => void data.wakes++,
      drop: () => {},
    };
    this.cx = new Context(Waker.fromRaw({ data: this, vtable }));
  }
}

/** Polls `future` once through `cx` and reports whether it is still pending. */
export function isPending(future: { poll(cx: Context): unknown }, cx: Context = Context.noop()): boolean {
  return future.poll(cx) === PENDING;
}

/** Rejects after `ms` with a message naming `what`, so a hang fails the test instead of the run. */
export function within<T>(what: string, ms: number, promise: PromiseLike<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not settled within ${ms} ms`)), ms);
  });
  return Promise.race([Promise.resolve(promise), limit]).finally(() => clearTimeout(timer));
}

declare const Deno: unknown;

/** What a child process printed, and whether it had to be killed after the limit. */
export interface ChildRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

/** Runs `./<name> ...extra` (beside this file) with the runtime running this code; kills it after `ms`. */
export function runChild(name: string, ms: number, extra: string[] = []): Promise<ChildRun> {
  const file = fileURLToPath(new URL(`./${name}`, import.meta.url));
  const args = typeof Deno !== "undefined"
    ? ["run", "-A", "--conditions=@spindle/source", file, ...extra]
    : [file, ...extra];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, ms);
    child.stdout.on("data", (chunk: Uint8Array) => (stdout += new TextDecoder().decode(chunk)));
    child.stderr.on("data", (chunk: Uint8Array) => (stderr += new TextDecoder().decode(chunk)));
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}
