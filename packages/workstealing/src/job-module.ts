// How a machine's thread loads the runtime's job module, and how a module it cannot use reaches
// `Runtime.start` as a typed error: the worker says what is wrong in a message (the error a
// module threw, encoded as job errors are), and the runtime's thread builds the JobModuleError.
import { parentPort } from "node:worker_threads";
import { describe } from "@spindle/core";
import { decodeValue, ValueEncoder } from "@spindle/codec";
import { JobModuleError } from "./errors.ts";
import { isJobSet, type JobSet } from "./job-set.ts";
import { encodeOutcome } from "./encode-outcome.ts";

/** The message a machine's thread posts instead of its job names when the module is unusable. */
export interface JobModuleProblem {
  /** What is wrong, after "the job module <url> ". */
  readonly moduleProblem: string;
  /** The error the module threw while loading, encoded; null when it did not throw. */
  readonly cause: Uint8Array | null;
}

/**
 * Imports job module `url` on a machine's thread and returns its job set; when the module is
 * unusable, posts a {@linkcode JobModuleProblem} to the runtime's thread and returns null.
 */
export async function loadJobModule(url: string): Promise<JobSet | null> {
  let namespace: Record<string, unknown>;
  try {
    // Left to the runtime: a bundler must not try to resolve the user's module at build time.
    namespace = (await import(/* webpackIgnore: true */ /* @vite-ignore */ url)) as Record<string, unknown>;
  } catch (error) {
    report(`threw while loading: ${headline(error)}`, encodeError(error));
    return null;
  }
  const set = namespace.default;
  if (isJobSet(set)) return set;
  if (!("default" in namespace)) {
    const names = Object.keys(namespace).map((name) => JSON.stringify(name));
    report(
      `has no default export (it exports ${
        names.join(", ") || "nothing"
      }): export defineJobs({...}) as its default export`,
      null,
    );
  } else {
    report(`must export defineJobs({...}) as its default export, got ${describe(set)}`, null);
  }
  return null;
}

/** The typed error of the problem a machine's thread posted about job module `url`. */
export function jobModuleError(url: string, problem: JobModuleProblem): JobModuleError {
  const options = problem.cause === null ? undefined : { cause: decodeValue(problem.cause) };
  return new JobModuleError(url, problem.moduleProblem, options);
}

/** Whether a machine's message is a {@linkcode JobModuleProblem} (else it is its job names). */
export function isJobModuleProblem(message: unknown): message is JobModuleProblem {
  return typeof (message as JobModuleProblem | null)?.moduleProblem === "string";
}

function report(moduleProblem: string, cause: Uint8Array | null): void {
  const problem: JobModuleProblem = { moduleProblem, cause };
  parentPort?.postMessage(problem);
}

/** `error` as job errors cross threads (what cannot cross whole, as `substituteOutcome` makes it). */
function encodeError(error: unknown): Uint8Array | null {
  const encoder = new ValueEncoder();
  try {
    encodeOutcome(encoder, error, "job module", "error", "the job module");
  } catch {
    return null; // nothing of it could be read: the problem's text says what could
  }
  return encoder.bytes.slice();
}

/** `Name: message` of a thrown value, for the problem's text; the value itself goes as its cause. */
function headline(error: unknown): string {
  try {
    if (error instanceof Error) return `${String(error.name)}: ${String(error.message)}`;
  } catch {
    // a getter that throws: described below
  }
  return describe(error);
}
