import assert from "node:assert/strict";
import { SpindleError } from "@spindle/core";

/**
 * Values that throw when read, as hostile callers pass them: a revoked Proxy (every operation
 * throws the engine's `TypeError`), a Proxy whose `get` trap throws, one whose `getPrototypeOf`
 * trap throws (what `instanceof` asks), a revoked function Proxy. Each with its name for messages.
 */
export function unreadableValues(): [string, unknown][] {
  const revoked = Proxy.revocable({}, {});
  revoked.revoke();
  const revokedFunction = Proxy.revocable(function work() {}, {});
  revokedFunction.revoke();
  const trap = (name: string) => () => {
    throw new Error(`${name} trap`);
  };
  return [
    ["a revoked Proxy", revoked.proxy],
    ["a Proxy whose get trap throws", new Proxy({}, { get: trap("get") })],
    ["a Proxy whose getPrototypeOf trap throws", new Proxy({}, { getPrototypeOf: trap("getPrototypeOf") })],
    ["a revoked function Proxy", revokedFunction.proxy],
  ];
}

/**
 * An `assert.throws` predicate: `INVALID_ARGUMENT` saying the value threw when read, its message
 * starting with `needs` (what the value was for), the engine's or trap's error kept as `cause`.
 */
export function isUnreadableError(needs: string): (error: unknown) => boolean {
  return (error) =>
    error instanceof SpindleError && error.code === "INVALID_ARGUMENT" && error.message.startsWith(needs) &&
    error.message.includes("when read") && error.cause instanceof Error;
}

/** A function that takes a value, with what its error says the value was for (`"map() needs a stream"`). */
export type Taker = readonly [needs: string, call: (value: never) => unknown];

/**
 * Checks every taker against hostile values: a revoked Proxy must be refused with
 * {@linkcode isUnreadableError}; the other {@linkcode unreadableValues}, which may reach only some
 * reads (a `getPrototypeOf` trap, for `instanceof`), may be accepted or refused, but only with an
 * error `typed` accepts, never the engine's `TypeError` or the trap's own error.
 */
export function assertUnreadableRefused(takers: readonly Taker[], typed: (error: unknown) => boolean): void {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  for (const [needs, call] of takers) assert.throws(() => call(proxy as never), isUnreadableError(needs), needs);
  for (const [name, value] of unreadableValues()) {
    for (const [needs, call] of takers) {
      try {
        call(value as never);
      } catch (error) {
        assert.ok(typed(error), `${needs} with ${name}: ${error}`);
      }
    }
  }
}
