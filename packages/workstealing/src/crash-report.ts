// How a machine's thread ends on purpose after a fatal error, telling the runtime why first: the
// runtime attaches that error, as the `cause` of a WorkerLostError, to every job the thread loses.
import process from "node:process";
import type { Processor } from "./processor.ts";
import { ValueEncoder } from "@spindle/codec";
import { encodeOutcome } from "./encode-outcome.ts";

/** The exit code of a machine's thread that ended itself after a fatal error (as an uncaught error's). */
export const CRASH_EXIT_CODE = 1;

/**
 * Ends this thread (`processor`'s machine) after storing `error` in shared memory for the
 * runtime. The error crosses as job errors do (name, message, stack, `cause`, own properties); one
 * that cannot crosses as what `substituteOutcome` makes of it.
 */
export function crash(processor: Processor, error: unknown): never {
  try {
    const encoder = new ValueEncoder();
    const substitute = encodeOutcome(encoder, error, "worker", "error", "worker");
    processor.reportCrash(encoder, encoder.bytes.length, substitute ?? error);
  } finally {
    process.exit(CRASH_EXIT_CODE);
  }
}

/**
 * Makes this thread report what kills it: an uncaught error (a job that throws in a host
 * callback) or an unhandled rejection that nothing else listens for ends the thread as it would
 * anyway, but through {@linkcode crash}, so that the runtime learns the error (the worker's `error`
 * event carries only its name and message on Deno and Bun, measured).
 */
export function reportFatalErrors(processor: Processor): void {
  for (const event of ["uncaughtException", "unhandledRejection"] as const) {
    process.on(event, (error: unknown) => {
      // A job module that handles these events itself keeps its worker alive, as it would
      // without this listener.
      if (process.listenerCount(event) === 1) crash(processor, error);
    });
  }
}
