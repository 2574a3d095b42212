// Encoding a job's result or an error for another thread, with a stand-in for what cannot cross.
import type { ValueEncoder } from "@spindle/codec";
import { substituteOutcome } from "./undescribable.ts";

/**
 * Encodes `value`, a result or an error (`kind`) of `job`, into `encoder`; when it cannot be
 * encoded, encodes in its place the plain error that {@linkcode substituteOutcome} makes of it
 * (`owner` names whose outcome it is there; default `job "<job>"`; `locate` may restate the
 * failure first, as a map chunk names its item's place in the whole result). Returns that substitute, or
 * `null` when `value` itself was encoded; either way `encoder.bytes` holds the message. Throws
 * when not even the substitute can be encoded (the heap has no room for a buffer it moves, say).
 *
 * @example
 * ```ts
 * import { ValueEncoder } from "@spindle/codec";
 * import { encodeOutcome } from "./encode-outcome.ts";
 *
 * const encoder = new ValueEncoder();
 * console.log(encodeOutcome(encoder, { sum: 3 }, "add", "result")); // null
 * const substitute = encodeOutcome(encoder, { f() {} }, "add", "result");
 * console.log(substitute?.name); // UncloneableValueError
 * ```
 */
export function encodeOutcome(
  encoder: ValueEncoder,
  value: unknown,
  job: string,
  kind: "result" | "error",
  owner?: string,
  locate?: (failure: unknown) => unknown,
): Error | null {
  try {
    encoder.encode(value, job, kind);
    return null;
  } catch (failure) {
    // The owner's text is built only here: the common path pays nothing for it.
    const located = locate === undefined ? failure : locate(failure);
    const substitute = substituteOutcome(value, located, owner ?? `job ${JSON.stringify(job)}`, kind);
    encoder.encode(substitute, job, "error");
    return substitute;
  }
}
