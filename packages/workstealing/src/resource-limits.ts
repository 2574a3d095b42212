// The runtime's `resourceLimits` option: checked, and refused where the runtime would not apply it.
import process from "node:process";
import { describe, HOST_RUNTIME, SpindleError, unreadableError } from "@spindle/core";
import { UnsupportedOptionError } from "./errors.ts";

/**
 * A worker thread's memory and stack limits in MB, as `node:worker_threads` takes them (declared
 * here so that the package's types need no `@types/node`).
 */
export interface ResourceLimits {
  /** The old generation's maximum size. */
  readonly maxOldGenerationSizeMb?: number;
  /** The young generation's maximum size. */
  readonly maxYoungGenerationSizeMb?: number;
  /** The size of the range reserved for generated code. */
  readonly codeRangeSizeMb?: number;
  /** The thread's maximum stack size. */
  readonly stackSizeMb?: number;
}

const FIELDS = ["maxOldGenerationSizeMb", "maxYoungGenerationSizeMb", "codeRangeSizeMb", "stackSizeMb"] as const;

/**
 * `limits` as `node:worker_threads` takes them, after checking each field (a positive number of
 * MB). Refused with {@linkcode UnsupportedOptionError} where this runtime would not apply them:
 * on Bun every field (Bun 1.4.5 ignores a worker's `resourceLimits`: measured, a worker limited to
 * 32 MB of old generation allocated 100 MB and its stack depth did not change with
 * `stackSizeMb`); on Deno every field but `maxOldGenerationSizeMb` (Deno 2.9.6 enforces that one,
 * ending the worker with `ERR_WORKER_OUT_OF_MEMORY` as Node does; a `stackSizeMb` aborted the
 * whole process with a stack overflow, and the others were not measured).
 *
 * The limits pass through unchanged, none added: on Node 24.21 a worker that fills its heap with
 * small objects aborts the whole process whatever the young generation's size (Node's
 * nodejs/node#47224; measured figures in the package README's note ⁴), so no choice here avoids it.
 */
export function checkResourceLimits(limits: unknown): ResourceLimits {
  if (typeof limits !== "object" || limits === null) {
    throw new SpindleError("INVALID_ARGUMENT", `resourceLimits must be an object, got ${describe(limits)}`);
  }
  const checked: Record<string, number> = {};
  let entries: [string, unknown][];
  try {
    entries = Object.entries(limits);
  } catch (cause) {
    throw unreadableError(limits, "resourceLimits must be an object of limits it can read", cause);
  }
  for (const [field, value] of entries) {
    if (!(FIELDS as readonly string[]).includes(field)) {
      throw new SpindleError(
        "INVALID_ARGUMENT",
        `resourceLimits.${field} is not a limit (the limits: ${FIELDS.join(", ")})`,
      );
    }
    if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
      throw new SpindleError(
        "INVALID_ARGUMENT",
        `resourceLimits.${field} must be a positive number of MB, got ${describe(value)}`,
      );
    }
    if (HOST_RUNTIME === "Bun") {
      throw new UnsupportedOptionError(
        `resourceLimits.${field}`,
        `Bun ${process.versions.bun} does not apply a worker's resourceLimits`,
      );
    }
    if (HOST_RUNTIME === "Deno" && field !== "maxOldGenerationSizeMb") {
      throw new UnsupportedOptionError(
        `resourceLimits.${field}`,
        `Deno ${process.versions.deno} applies only resourceLimits.maxOldGenerationSizeMb to a worker`,
      );
    }
    checked[field] = value;
  }
  return checked;
}
