import assert from "node:assert/strict";
import { SpindleError } from "@spindle/core";
import { unreadableValues } from "./unreadable.ts";

/** A class whose constructor only its package may call (TypeScript sees it `private`). */
export type InternalClass = { readonly prototype: unknown; readonly name: string };

/**
 * Checks that a JavaScript `new` of each class (TypeScript refuses it already) throws
 * `INVALID_ARGUMENT` saying the class has no public constructor, whatever comes in place of the
 * package's key: nothing, `undefined`, another symbol, a value that throws when read.
 */
export function assertNoPublicConstructor(classes: Record<string, InternalClass>): void {
  const keys: [string, unknown[]][] = [
    ["no arguments", []],
    ["undefined", [undefined]],
    ["another symbol", [Symbol("not the key"), {}]],
    ...unreadableValues().map(([name, value]): [string, unknown[]] => [name, [value]]),
  ];
  for (const [name, Class] of Object.entries(classes)) {
    for (const [given, args] of keys) {
      assert.throws(
        () => Reflect.construct(Class as unknown as new (...args: unknown[]) => unknown, args),
        (error) =>
          error instanceof SpindleError && error.code === "INVALID_ARGUMENT" &&
          error.message.startsWith(`${name} has no public constructor (got `),
        `new ${name}() with ${given}`,
      );
    }
  }
}
