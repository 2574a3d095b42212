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
