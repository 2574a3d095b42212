/**
 * What every benchmark of this folder shares: command-line options, the runtime it runs on,
 * logging to stderr, and the median.
 *
 * No benchmark forces a garbage collection between runs: a forced full collection frees the previous
 * run's objects that V8 (and JSC) embedded in optimized code, which deoptimizes that code, so every
 * run after one would re-optimize (measured: core's trivial tasks on Node 24 at 4.9M/s with one
 * before each run, 6.0–6.7M/s without).
 */
import process from "node:process";
import type { Worker } from "node:worker_threads";

declare const Deno: { version: { deno: string; v8: string } } | undefined;
declare const Bun: { version: string } | undefined;

/** The value of `--name value` or `--name=value`, if given. */
export function option(name: string): string | undefined {
  const args = process.argv;
  const at = args.indexOf(`--${name}`);
  if (at >= 0) return args[at + 1];
  const inline = args.find((a) => a.startsWith(`--${name}=`));
  return inline?.slice(name.length + 3);
}

/** A non-negative integer option (`_` separators allowed), or `fallback`. */
export function intOption(name: string, fallback: number): number {
  const raw = option(name);
  if (raw === undefined) return fallback;
  const n = Number(raw.replaceAll("_", ""));
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got ${raw}`);
  return n;
}

/** A comma-separated option, without empty items, if given. */
export function listOption(name: string): string[] | undefined {
  return option(name)?.split(",").map((s) => s.trim()).filter((s) => s !== "");
}

/** A runtime as a benchmark reports it in its results. */
export interface BenchRuntime {
  name: "node" | "deno" | "bun";
  version: string;
  engine: string;
}

/** The runtime running the benchmark. */
export const runtime: BenchRuntime = typeof Bun !== "undefined"
  ? { name: "bun", version: Bun.version, engine: "JavaScriptCore" }
  : typeof Deno !== "undefined"
  ? { name: "deno", version: Deno.version.deno, engine: `V8 ${Deno.version.v8}` }
  : { name: "node", version: process.versions.node, engine: `V8 ${process.versions.v8}` };

/** Progress on stderr (stdout carries the results). */
export const log = (line: string): void => void process.stderr.write(`${line}\n`);

/** The median of `xs` (the mean of the middle two for an even count). */
export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

/** Posts `message` to a bare `node:worker_threads` thread and resolves with its next answer (rejects on its error). */
export const askThread = <T>(thread: Worker, message: unknown): Promise<T> =>
  new Promise((resolve, reject) => {
    const onError = (e: unknown) => reject(e);
    thread.once("error", onError);
    thread.once("message", (answer) => {
      thread.off("error", onError);
      resolve(answer);
    });
    thread.postMessage(message);
  });
