/**
 * What went wrong, as a stable machine-readable code:
 *
 * - `FUTURE_COMPLETED`: a future was polled again after it returned its output, failed or was
 *   dropped (a dropped future stays inert: it never registers again).
 * - `EXECUTOR_CLOSED`: `spawn` on an executor that was closed.
 * - `BLOCKING_NOT_ALLOWED`: `blockOn` where the thread may not block.
 * - `DEADLOCK`: `blockOn` found its future pending with nothing left that could wake it.
 * - `WAKER_CONSUMED`: a waker was used after `wake()` consumed it.
 * - `CANCELLED`: the task was aborted or its executor closed.
 * - `NOT_A_FUTURE`: a value that is not a future where one was needed (e.g. `yield 5`).
 * - `INVALID_ARGUMENT`: an argument out of its documented range.
 * - `CAPACITY_EXCEEDED`: a fixed-size shared structure is full.
 * - `SCOPE_CLOSED`: a task spawned into a `TaskScope` that was closed or aborted.
 * - `PERMISSION_DENIED`: the runtime refused an operation for lack of a permission (Deno's
 *   `--allow-*` flags); see {@linkcode PermissionDeniedError}.
 */
export type SpindleErrorCode =
  | "FUTURE_COMPLETED"
  | "EXECUTOR_CLOSED"
  | "BLOCKING_NOT_ALLOWED"
  | "DEADLOCK"
  | "WAKER_CONSUMED"
  | "CANCELLED"
  | "NOT_A_FUTURE"
  | "INVALID_ARGUMENT"
  | "CAPACITY_EXCEEDED"
  | "PERMISSION_DENIED"
  | "SCOPE_CLOSED";

/**
 * The error every Spindle package throws for misuse, with a `code` to branch on.
 *
 * @example
 * ```ts
 * import { ready, Context, SpindleError } from "@spindle/core";
 *
 * const future = ready(1);
 * const cx = Context.noop();
 * future.poll(cx);
 * try {
 *   future.poll(cx);
 * } catch (error) {
 *   if (error instanceof SpindleError) console.log(error.code); // FUTURE_COMPLETED
 * }
 * ```
 */
export class SpindleError extends Error {
  /** The stable code of this error. */
  readonly code: SpindleErrorCode;

  /** Creates an error with a code and a message naming the problem. */
  constructor(code: SpindleErrorCode, message: string, options?: ErrorOptions) {
    checkTypeOf(code, "string", "new SpindleError(): code");
    checkTypeOf(message, "string", "new SpindleError(): message");
    super(message, readErrorOptions(options, "new SpindleError()"));
    this.name = "SpindleError";
    this.code = code;
  }
}

/**
 * The error a join handle settles with when its task was cancelled: aborted, or dropped because its
 * executor closed. A `cause` is set when the task's own clean-up (`finally`) threw.
 *
 * @example
 * ```ts
 * import { LocalExecutor, pending, CancelledError } from "@spindle/core";
 *
 * const executor = new LocalExecutor();
 * const handle = executor.spawn(pending());
 * handle.abort();
 * await handle.then(undefined, (e) => console.log(e instanceof CancelledError)); // true
 * ```
 */
export class CancelledError extends SpindleError {
  /** Creates a cancellation error; `what` names the cancelled thing. */
  constructor(what: string, options?: ErrorOptions) {
    super("CANCELLED", `${checkTypeOf(what, "string", "new CancelledError(): what")} was cancelled`, options);
    this.name = "CancelledError";
  }
}

/** The error for polling a future again after it completed; `what` names the future. */
export function completedError(what: string): SpindleError {
  return new SpindleError("FUTURE_COMPLETED", `${what} was polled after it completed`);
}

/**
 * Renders a value for an error message: short, and safe for any value. Every Spindle package
 * names bad values this way: a string quoted, a bigint with its `n`, `-0` as such, an object by
 * its class with its article (`an Array`, `a Map`, `an object` for a plain or null-prototype one).
 *
 * @example
 * ```ts
 * import { describe } from "@spindle/core";
 *
 * console.log(describe("10"), describe(10n), describe(NaN), describe([]), describe({})); // "10" 10n NaN an Array an object
 * ```
 */
export function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === "function") return `function ${functionName(value)}`;
  if (typeof value === "bigint") return `${value}n`;
  if (Object.is(value, -0)) return "-0";
  if (typeof value === "object" && value !== null) {
    // A Proxy's trap, a revoked Proxy or a `constructor` getter may throw: the value is still named.
    let name: unknown;
    try {
      name = value.constructor?.name;
    } catch {
      return "an object";
    }
    if (typeof name !== "string" || name === "" || name === "Object") return "an object";
    return `${ARTICLE_AN.test(name) ? "an" : "a"} ${name.length > 40 ? `${name.slice(0, 40)}…` : name}`;
  }
  return String(value);
}

/** A function's name, or `(anonymous)`: a function Proxy's `name` read may throw too. */
function functionName(fn: { readonly name?: unknown }): string {
  try {
    return typeof fn.name === "string" && fn.name !== "" ? fn.name : "(anonymous)";
  } catch {
    return "(anonymous)";
  }
}

/**
 * The `INVALID_ARGUMENT` error for `value`, whose reading threw `cause`: a revoked Proxy, a Proxy
 * trap or a getter that throws is a bad value like any other, named, with the engine's (or the
 * trap's) error kept as `cause`. `needs` says what the value was for (`"race() needs an iterable
 * of futures"`).
 *
 * @example
 * ```ts
 * import { unreadableError } from "@spindle/core";
 *
 * const { proxy, revoke } = Proxy.revocable<{ poll?: unknown }>({}, {});
 * revoke();
 * try {
 *   proxy.poll;
 * } catch (cause) {
 *   const error = unreadableError(proxy, "spawn() needs a future", cause);
 *   console.log(error.code, error.cause === cause); // INVALID_ARGUMENT true
 * }
 * ```
 */
export function unreadableError(value: unknown, needs: string, cause: unknown): SpindleError {
  checkTypeOf(needs, "string", "unreadableError(): needs");
  return new SpindleError(
    "INVALID_ARGUMENT",
    `${needs}, got ${describe(value)} that threw ${
      describe(cause)
    } when read (a revoked Proxy, a throwing trap or getter)`,
    { cause },
  );
}

/**
 * The `INVALID_ARGUMENT` error for a `new` of a class whose constructor only its package calls
 * (a channel's sender, a socket, a runtime, a guard): `className` is the class, `howToGet` says
 * where users get one, and `got` (what came in place of the package's key) is named. TypeScript
 * already refuses such a `new`; this is what a JavaScript caller gets instead of a broken object.
 *
 * @example
 * ```ts
 * import { noPublicConstructor } from "@spindle/core";
 *
 * const KEY: unique symbol = Symbol("my package");
 * class Handle {
 *   constructor(key: typeof KEY) {
 *     if (key !== KEY) throw noPublicConstructor("Handle", "open() returns one", key);
 *   }
 *   static open(): Handle {
 *     return new Handle(KEY);
 *   }
 * }
 * console.log(Handle.open() instanceof Handle); // true
 * try {
 *   new Handle(undefined as never);
 * } catch (error) {
 *   console.log((error as Error).message); // Handle has no public constructor (got undefined): open() returns one
 * }
 * ```
 */
export function noPublicConstructor(className: string, howToGet: string, got: unknown): SpindleError {
  checkTypeOf(className, "string", "noPublicConstructor(): className");
  checkTypeOf(howToGet, "string", "noPublicConstructor(): howToGet");
  return new SpindleError(
    "INVALID_ARGUMENT",
    `${className} has no public constructor (got ${describe(got)}): ${howToGet}`,
  );
}

/**
 * Returns `value` if `typeof value` is `type`, else throws `INVALID_ARGUMENT` naming it (`name`
 * says whose it is, as `"new LaggedError(): missed"`). For what an error's constructor writes
 * into its message, where a symbol, a revoked Proxy or a throwing `Symbol.toPrimitive` would
 * throw the engine's error (or its own) instead.
 *
 * @example
 * ```ts
 * import { checkTypeOf } from "@spindle/core";
 *
 * console.log(checkTypeOf("fib", "string", "new MyError(): job")); // fib
 * try {
 *   checkTypeOf(Symbol("fib"), "string", "new MyError(): job");
 * } catch (error) {
 *   console.log((error as Error).message); // new MyError(): job must be a string, got Symbol(fib)
 * }
 * ```
 */
export function checkTypeOf<T extends "string" | "number">(
  value: unknown,
  type: T,
  name: string,
): T extends "string" ? string : number {
  // The label and the type are checked here by hand: checkTypeOf on them would recurse.
  if (typeof name !== "string") {
    throw new SpindleError("INVALID_ARGUMENT", `checkTypeOf(): name must be a string, got ${describe(name)}`);
  }
  if (type !== "string" && type !== "number") {
    throw new SpindleError(
      "INVALID_ARGUMENT",
      `checkTypeOf(): type must be "string" or "number", got ${describe(type)}`,
    );
  }
  if (type === "string" ? typeof value !== "string" : typeof value !== "number") {
    throw new SpindleError("INVALID_ARGUMENT", `${name} must be a ${type}, got ${describe(value)}`);
  }
  return value as T extends "string" ? string : number;
}

/**
 * The `options` of an error's constructor (`what`, as `"new JobModuleError()"`) as `Error`
 * reads them, their `cause` read here once: options that are not an object or `undefined`, or
 * whose `cause` cannot be read (a revoked Proxy, a throwing trap), are `INVALID_ARGUMENT`
 * instead of the engine's error from `Error`'s own read.
 *
 * @example
 * ```ts
 * import { readErrorOptions } from "@spindle/core";
 *
 * console.log(readErrorOptions({ cause: 42 }, "new MyError()")); // { cause: 42 }
 * console.log(readErrorOptions({}, "new MyError()")); // undefined
 * ```
 */
export function readErrorOptions(options: ErrorOptions | undefined, what: string): ErrorOptions | undefined {
  checkTypeOf(what, "string", "readErrorOptions(): what");
  checkOptions(options, what);
  if (options === undefined) return undefined;
  try {
    return "cause" in options ? { cause: options.cause } : undefined;
  } catch (cause) {
    throw unreadableError(options, `${what} needs options it can read`, cause);
  }
}

/**
 * `value instanceof type`, where a value whose prototype cannot be read (a revoked Proxy, a
 * throwing `getPrototypeOf` trap) is {@linkcode unreadableError} instead of the engine's
 * `TypeError`. `needs` names what the value was for.
 *
 * On V8 the check is a prototype comparison only where this call is inlined into code that passes
 * `type` as a constant (9 to 14 instructions, callgrind, Node 24). Where it is not inlined, its
 * `instanceof` of a class passed in runs the generic builtins (`checkInstance` with inlining
 * turned off: 473 instructions, against 75 for a function of its own naming the class). A closure
 * made per class measured no better (336): closures of one function share its type feedback. A
 * hot path that may not be inlined writes `value instanceof C` in a function of its own.
 *
 * @example
 * ```ts
 * import { isInstance } from "@spindle/core";
 *
 * console.log(isInstance(new Uint8Array(1), Uint8Array, "send() needs a Uint8Array")); // true
 * ```
 */
export function isInstance<T>(
  value: unknown,
  type: { readonly prototype: T; [Symbol.hasInstance](value: unknown): boolean },
  needs: string,
): value is T {
  checkTypeOf(needs, "string", "isInstance(): needs");
  return instanceOf(value, type, needs);
}

/**
 * `value instanceof type` for a value that was caught or handed back by other code (what a task
 * threw, a job's outcome): `false`, not the engine's `TypeError`, when its prototype cannot be read
 * (a thrown revoked Proxy, a Proxy whose `getPrototypeOf` trap throws). Such a value is a
 * reason like any other, to be passed on; a check that threw instead would lose it (and whatever
 * was settling it with it). For failure paths: where not inlined, its `instanceof` of a class
 * passed in runs the generic builtins (see {@linkcode isInstance}).
 *
 * @example
 * ```ts
 * import { CancelledError, caughtInstanceOf } from "@spindle/core";
 *
 * const { proxy, revoke } = Proxy.revocable({}, {});
 * revoke();
 * console.log(caughtInstanceOf(proxy, CancelledError)); // false (`proxy instanceof CancelledError` throws)
 * console.log(caughtInstanceOf(new CancelledError("a task"), CancelledError)); // true
 * ```
 */
export function caughtInstanceOf<T>(
  value: unknown,
  type: { readonly prototype: T; [Symbol.hasInstance](value: unknown): boolean },
): value is T {
  try {
    return value instanceof type;
  } catch {
    return false;
  }
}

/** {@linkcode isInstance} once `needs` was checked (by it, or by {@linkcode checkInstance}). */
function instanceOf<T>(
  value: unknown,
  type: { readonly prototype: T; [Symbol.hasInstance](value: unknown): boolean },
  needs: string,
): value is T {
  try {
    return value instanceof type;
  } catch (cause) {
    throw unreadableError(value, needs, cause);
  }
}

/**
 * Returns `value` if it is an instance of `type`, else throws `INVALID_ARGUMENT` saying what it
 * was for (`needs`, as `"ticks() needs an Interval"`) and naming `value`; a value that cannot be
 * read is {@linkcode unreadableError} (see {@linkcode isInstance}).
 *
 * @example
 * ```ts
 * import { checkInstance, SpindleError } from "@spindle/core";
 *
 * const bytes = checkInstance(new Uint8Array(2), Uint8Array, "send() needs a Uint8Array");
 * console.log(bytes.length); // 2
 * try {
 *   checkInstance("text", Uint8Array, "send() needs a Uint8Array");
 * } catch (error) {
 *   console.log((error as SpindleError).message); // send() needs a Uint8Array, got "text"
 * }
 * ```
 */
export function checkInstance<T>(
  value: unknown,
  type: { readonly prototype: T; [Symbol.hasInstance](value: unknown): boolean },
  needs: string,
): T {
  checkTypeOf(needs, "string", "checkInstance(): needs");
  if (!instanceOf(value, type, needs)) throw new SpindleError("INVALID_ARGUMENT", `${needs}, got ${describe(value)}`);
  return value;
}

/** Class names read with "an": a vowel sound first (`an Int32Array`, `an Error`, but `a Uint8Array`). */
const ARTICLE_AN = /^(?:[AEIO]|U(?!int|ni|RL|rl))/i;

/**
 * Throws `INVALID_ARGUMENT` with `needs` (`"race() needs an iterable of futures"`) and `value`
 * named, unless `value` is iterable: checked before iterating, which would throw a plain
 * `TypeError` naming neither the function nor the value.
 *
 * @example
 * ```ts
 * import { checkIterable } from "@spindle/core";
 *
 * checkIterable([1, 2], "sum() needs an iterable"); // returns
 * try {
 *   checkIterable({ length: 2 }, "sum() needs an iterable");
 * } catch (error) {
 *   console.log((error as Error).message); // sum() needs an iterable, got an object
 * }
 * ```
 */
export function checkIterable(value: unknown, needs: string): void {
  checkTypeOf(needs, "string", "checkIterable(): needs");
  let iterator: unknown;
  try {
    iterator = (value as Partial<Iterable<unknown>> | null | undefined)?.[Symbol.iterator];
  } catch (cause) {
    throw unreadableError(value, needs, cause);
  }
  if (typeof iterator !== "function") throw new SpindleError("INVALID_ARGUMENT", `${needs}, got ${describe(value)}`);
}

/**
 * The items of `iterable`, an argument that `needs` (`"race() needs an iterable of futures"`)
 * says what it is for: an array as it is (no copy), any other iterable read to its end at once.
 * What is not iterable, and an iterable whose iteration throws (a `next()` that throws or gives a
 * non-object, a throwing getter), is `INVALID_ARGUMENT` naming the value, the iteration's error
 * kept as `cause`: not the engine's `TypeError` (`Iterator result 5 is not an object`), which
 * names neither the function nor the value.
 *
 * @example
 * ```ts
 * import { readIterable } from "@spindle/core";
 *
 * console.log(readIterable(new Set([1, 2]), "sum() needs an iterable")); // [ 1, 2 ]
 * const broken = { [Symbol.iterator]: () => ({ next: () => 5 }) } as unknown as Iterable<number>;
 * try {
 *   readIterable(broken, "sum() needs an iterable");
 * } catch (error) {
 *   console.log((error as Error).message); // sum() needs an iterable, got an object whose iteration threw a TypeError: …
 * }
 * ```
 */
export function readIterable<T>(iterable: Iterable<T>, needs: string): readonly T[] {
  let array: boolean;
  try {
    array = Array.isArray(iterable);
  } catch (cause) {
    throw unreadableError(iterable, needs, cause);
  }
  if (array) return iterable as readonly T[];
  checkIterable(iterable, needs);
  try {
    return Array.from(iterable);
  } catch (cause) {
    throw new SpindleError(
      "INVALID_ARGUMENT",
      `${needs}, got ${describe(iterable)} whose iteration threw ${describeError(cause)}`,
      { cause },
    );
  }
}

/** `a TypeError: Iterator result 5 is not an object`, or the thrown value named when it is no error. */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return describe(error);
  let message: unknown;
  try {
    message = error.message;
  } catch {
    return describe(error);
  }
  return typeof message === "string" && message !== "" ? `${describe(error)}: ${message}` : describe(error);
}

/**
 * Checks the options argument of `what` (`"new LocalExecutor()"`): returns it, or `{}` when it is
 * `undefined`; anything but an object (`null`, a number, a string…) is `INVALID_ARGUMENT` naming
 * it, where reading an option from `null` would throw a plain `TypeError`. Every Spindle package
 * checks its options objects this way.
 *
 * Given the `names` of the options, returns a plain object of them instead, each read once here:
 * options that a revoked Proxy, a throwing trap or a getter cannot give are `INVALID_ARGUMENT`
 * (the engine's error kept as `cause`), not an engine `TypeError` later, and a getter cannot
 * answer differently between the check of an option and its use.
 *
 * @example
 * ```ts
 * import { checkOptions } from "@spindle/core";
 *
 * console.log(checkOptions(undefined, "start()")); // {}
 * const untyped: unknown = null; // what a JavaScript caller may pass
 * try {
 *   checkOptions(untyped as object, "start()");
 * } catch (error) {
 *   console.log((error as Error).message); // start()'s options must be an object or undefined, got null
 * }
 * const { signal } = checkOptions<{ signal?: AbortSignal }>({ signal: AbortSignal.abort() }, "start()", ["signal"]);
 * console.log(signal?.aborted); // true
 * ```
 */
export function checkOptions<T extends object>(
  options: T | undefined,
  what: string,
  names?: readonly (keyof T & string)[],
): T {
  checkTypeOf(what, "string", "checkOptions(): what");
  if (options === undefined) return {} as T;
  if (typeof options !== "object" || options === null) {
    throw new SpindleError(
      "INVALID_ARGUMENT",
      `${what}'s options must be an object or undefined, got ${describe(options)}`,
    );
  }
  if (names === undefined) return options;
  const read: Partial<T> = {};
  try {
    for (const name of names) read[name] = options[name];
  } catch (cause) {
    throw unreadableError(options, `${what} needs options it can read`, cause);
  }
  return read as T;
}
