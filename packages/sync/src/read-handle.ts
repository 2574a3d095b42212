import { unreadableError } from "@spindle/core";

/**
 * The fields `names` of a handle given to a `from()`, each read once here: a revoked Proxy, a
 * throwing trap or a getter is `INVALID_ARGUMENT` naming the handle (the engine's error as
 * `cause`), never an engine `TypeError`. A handle that is not an object reads as all `undefined`,
 * which the caller refuses naming it.
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
