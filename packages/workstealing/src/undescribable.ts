// What crosses threads in place of a job's error or result that the encoder could not write: an
// error with a getter (or a Proxy trap, or a `toString`) that throws, a thrown Proxy, a value
// that cannot be cloned. Built without trusting the original: every read of it is guarded, so
// building the substitute never throws and the job always settles with a reason its caller
// receives.
import { describe } from "@spindle/core";
import { UncloneableValueError } from "./errors.ts";

/**
 * The plain error that replaces `original` (what a job threw, a job's result, or the error that
 * kills a worker) when encoding it failed with `failure`. `owner` names whose outcome it is
 * (`job "fib"`, `worker`).
 *
 * - An error that cannot cross whole (the encoder's {@linkcode UncloneableValueError}: a function
 *   among its own properties) crosses as its name, message and stack.
 * - Any other value that cannot cross (a thrown symbol, a result holding a function): an error
 *   named `"UncloneableValueError"` with the encoder's message.
 * - A result whose getter threw a describable error: that error's name, message and stack, as a
 *   getter of an argument makes `spawn` throw the getter's error.
 * - Otherwise (an error whose `message`, `name`, `stack` or `cause` getter throws, a thrown
 *   Proxy, one whose prototype cannot be read included, a getter throwing something that cannot
 *   be described either): an `Error` saying the original could not be described and what reading
 *   it threw, keeping the original's name, message and stack where they could be read.
 */
export function substituteOutcome(original: unknown, failure: unknown, owner: string, kind: "result" | "error"): Error {
  const readable = kind === "error" ? readError(original, true) : null;
  // The encoder refuses a value it could not read (a Proxy whose getPrototypeOf trap throws) as
  // uncloneable, with what reading it threw as the cause: that is a value that could not be described.
  const uncloneable = guarded(() => failure instanceof UncloneableValueError) === true
    ? failure as UncloneableValueError
    : null;
  const readingThrew = uncloneable === null ? undefined : guarded(() => uncloneable.cause);
  if (uncloneable !== null && readingThrew === undefined) {
    if (readable?.message !== undefined) return plain(readable.name, readable.message, readable.stack);
    return plain("UncloneableValueError", uncloneable.message, uncloneable.stack);
  }
  const reason = readError(uncloneable === null ? failure : readingThrew);
  if (kind === "result" && reason !== null) return plain(reason.name, reason.message ?? "", reason.stack);
  const threw = reason === null
    ? "a value that could not be described either"
    : `${reason.name}: ${reason.message ?? ""}`;
  const was = readable?.message === undefined ? "" : `; its message: ${JSON.stringify(readable.message)}`;
  const what = guarded(() => describe(original)) ?? "a value";
  return plain(
    readable?.name ?? "Error",
    `${owner}: the ${kind} (${what}) could not be described (reading it threw ${threw})${was}`,
    readable?.stack,
  );
}

/** Name, message and stack of an error-like value, each read guarded; `partial`: keep what could be read. */
function readError(value: unknown, partial = false): { name: string; message?: string; stack?: string } | null {
  if (typeof value !== "object" && typeof value !== "function" || value === null) {
    const text = guarded(() => String(value));
    return text === undefined || partial ? null : { name: "Error", message: text };
  }
  const record = value as { name?: unknown; message?: unknown; stack?: unknown };
  const name = guarded(() => record.name);
  const message = guarded(() => record.message);
  const stack = guarded(() => record.stack);
  const named = typeof name === "string" ? name : undefined;
  const said = typeof message === "string" ? message : undefined;
  if (!partial && (named === undefined || said === undefined)) return null;
  return {
    name: named ?? "Error",
    ...(said === undefined ? {} : { message: said }),
    ...(typeof stack === "string" ? { stack } : {}),
  };
}

/** `read()`, or `undefined` when it throws (anything, however hostile). */
function guarded<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

function plain(name: string, message: string, stack: string | undefined): Error {
  const error = new Error(message);
  error.name = name;
  if (stack !== undefined) error.stack = stack;
  return error;
}
