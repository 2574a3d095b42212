/**
 * Which runtime runs the tests, how to run a script in a child
 * process of that same runtime, and how to start a worker thread from a `.ts` module.
 */
import { spawn } from "node:child_process";
import process from "node:process";
import { Worker } from "node:worker_threads";

declare const Deno: unknown;

/** The runtime running this test file. */
export const runtime: "node" | "deno" | "bun" = typeof Deno !== "undefined"
  ? "deno"
  : process.versions.bun !== undefined
  ? "bun"
  : "node";

/** What a child process did. */
export interface ChildResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `script` (a `.ts` file) in a child process of the runtime running the tests and resolves
 * when it exits; kills it after `limitMs` (a hang bound, not a performance measure). `scriptArgs`
 * follow the script on its command line.
 */
export function runScript(script: string, limitMs = 20_000, scriptArgs: readonly string[] = []): Promise<ChildResult> {
  const bin = process.env.SPINDLE_TEST_RUNTIME_BIN ?? process.execPath;
  const args = runtime === "deno"
    ? ["run", "-A", script, ...scriptArgs]
    : ["--conditions=@spindle/source", script, ...scriptArgs];
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), limitMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Starts a worker thread running the `.ts` module at `url` with `workerData`. */
export function startWorker(url: URL, workerData: unknown): Worker {
  return new Worker(url, { workerData });
}

/** Resolves with the first message of `worker`, rejects on its error. */
export function nextMessage<T>(worker: Worker): Promise<T> {
  return new Promise((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
}
