// The runtime's `env`, `argv` and `execArgv` options: checked, and refused where the runtime would
// not apply them. Measured (2026-12-07, a worker reporting what it saw): Node 22 and 24, Bun 1.4.5
// and Deno 2.9.6 all gave the worker `env` as its `process.env` (and nothing else of the parent's)
// and appended `argv` to its `process.argv`. `execArgv` took effect on Node only (with
// `--no-deprecation`, the worker's `process.noDeprecation` was `true`); Bun and Deno listed it in
// the worker's `process.execArgv` and did not apply it (`process.noDeprecation` unset on Bun,
// `false` on Deno). Node refuses a flag that is not per-thread with ERR_WORKER_INVALID_EXEC_ARGV.
import process from "node:process";
import { describe, HOST_RUNTIME, SpindleError, unreadableError } from "@spindle/core";
import { UnsupportedOptionError } from "./errors.ts";

/** The machine threads' environment and command line (the runtime options of the same names). */
export interface WorkerThreadOptions {
  /** The workers' `process.env`, instead of a copy of the process's. */
  readonly env?: Readonly<Record<string, string>>;
  /** Appended to the workers' `process.argv`. */
  readonly argv?: readonly string[];
  /** The workers' runtime flags (Node's per-thread ones), instead of the process's. */
  readonly execArgv?: readonly string[];
}

function checkStrings(name: string, value: unknown): string[] {
  if (!Array.isArray(value)) {
    throw new SpindleError("INVALID_ARGUMENT", `${name} must be an array of strings, got ${describe(value)}`);
  }
  const strings = [...value as unknown[]];
  strings.forEach((item, i) => {
    if (typeof item !== "string") {
      throw new SpindleError("INVALID_ARGUMENT", `${name}[${i}] must be a string, got ${describe(item)}`);
    }
  });
  return strings as string[];
}

function checkEnv(env: unknown): Record<string, string> {
  if (typeof env !== "object" || env === null || Array.isArray(env)) {
    throw new SpindleError("INVALID_ARGUMENT", `env must be an object of strings, got ${describe(env)}`);
  }
  let entries: [string, unknown][];
  try {
    entries = Object.entries(env);
  } catch (cause) {
    throw unreadableError(env, "env must be an object of strings it can read", cause);
  }
  const checked: Record<string, string> = {};
  for (const [key, value] of entries) {
    if (typeof value !== "string") {
      throw new SpindleError("INVALID_ARGUMENT", `env.${key} must be a string, got ${describe(value)}`);
    }
    checked[key] = value;
  }
  return checked;
}

/**
 * The options as `node:worker_threads`' `Worker` takes them (only those given), after checking
 * each. `execArgv` is refused with {@linkcode UnsupportedOptionError} on Bun and Deno, which do
 * not apply it (see the top of this file).
 */
export function checkWorkerThreadOptions(options: WorkerThreadOptions): WorkerThreadOptions {
  const checked: { env?: Record<string, string>; argv?: string[]; execArgv?: string[] } = {};
  if (options.env !== undefined) checked.env = checkEnv(options.env);
  if (options.argv !== undefined) checked.argv = checkStrings("argv", options.argv);
  if (options.execArgv !== undefined) {
    checked.execArgv = checkStrings("execArgv", options.execArgv);
    if (HOST_RUNTIME === "Bun" || HOST_RUNTIME === "Deno") {
      const version = HOST_RUNTIME === "Bun" ? process.versions.bun : process.versions.deno;
      throw new UnsupportedOptionError("execArgv", `${HOST_RUNTIME} ${version} does not apply a worker's execArgv`);
    }
  }
  return checked;
}
