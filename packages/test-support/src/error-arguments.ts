import assert from "node:assert/strict";
import { SpindleError } from "@spindle/core";

/**
 * Values an error's constructor cannot write into its message, with what `describe` shows of
 * them: a symbol (a template throws the engine's `TypeError`), a revoked Proxy, a Proxy whose
 * traps throw, an object whose `Symbol.toPrimitive` throws, and `null`.
 */
export function unprintableValues(): [value: unknown, shown: string][] {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  const trap = () => {
    throw new Error("trap");
  };
  return [
    [Symbol("s"), "Symbol(s)"],
    [proxy, "an object"],
    [new Proxy({}, { get: trap, has: trap, getPrototypeOf: trap }), "an object"],
    [{ [Symbol.toPrimitive]: trap, toString: trap }, "an object"],
    [null, "null"],
  ];
}

/** A constructor argument to check: `name` as its error says it (`"new LaggedError(): missed"`), and a call with `bad` in its place. */
export type ArgumentTaker = readonly [name: string, type: "string" | "number", make: (bad: never) => unknown];

/**
 * Checks that each taker refuses every {@linkcode unprintableValues} value (and one of the other
 * primitive type) with `INVALID_ARGUMENT` saying `<name> must be a <type>, got <value>`, never
 * the engine's `TypeError` or the value's own error.
 */
export function assertArgumentsTyped(takers: readonly ArgumentTaker[]): void {
  for (const [name, type, make] of takers) {
    const other: [unknown, string] = type === "string" ? [7, "7"] : ["7", '"7"'];
    for (const [bad, shown] of [...unprintableValues(), other]) {
      assert.throws(
        () => make(bad as never),
        (e) =>
          e instanceof SpindleError && e.code === "INVALID_ARGUMENT" &&
          e.message === `${name} must be a ${type}, got ${shown}`,
        `${name} with ${shown}`,
      );
    }
  }
}
