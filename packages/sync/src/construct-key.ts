/**
 * What this package's own code passes to the constructors users may not call (a `new` without it
 * is refused with core's `noPublicConstructor`). Not exported from `mod.ts`.
 */
export const KEY: unique symbol = Symbol("@spindle/sync constructs this");
