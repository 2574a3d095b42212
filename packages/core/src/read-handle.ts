import { unreadableError } from "./errors.ts";

/**
 * The fields `names` of a handle (plain data that names shared memory: a channel end's, a parker's,
 * a wake table slot's), each read once here: a revoked Proxy, a throwing trap or a getter is
 * `INVALID_ARGUMENT` naming the handle (the engine's error as `cause`), never an engine
 * `TypeError`, and a getter cannot answer differently between the check of a field and its use. A
 * handle that is not an object reads as all `undefined`, which the caller refuses naming it.
 * `what` names the call (`"SharedSemaphore.from()"`).
 *
 * @example
 * ```ts
 * import { readHandle } from "@spindle/core";
 *
 * const { buffer, index } = readHandle({ buffer: new SharedArrayBuffer(4), index: 0 }, "from()", ["buffer", "index"]);
 * console.log(buffer instanceof SharedArrayBuffer, index); // true 0
 * console.log(readHandle(42, "from()", ["buffer"]).buffer); // undefined
 * ```
 */
export function readHandle<K extends string>(handle: unknown, what: string, names: readonly K[]): Record<K, unknown> {
  const read = {} as Record<K, unknown>;
  if (typeof handle !== "object" || handle === null) return read;
  try {
    for (const name of names) read[name] = (handle as Record<K, unknown>)[name];
  } catch (cause) {
    throw unreadableError(handle, `${what} needs a handle it can read`, cause);
  }
  return read;
}
