// The job module of the peer-piscina-*.test.ts files: jobs that throw what piscina's and
// tinypool's tests throw from their workers (values that are not errors, errors that cannot be
// described), and jobs that read the worker's environment.
import process from "node:process";
import { threadId } from "node:worker_threads";
import { type Coroutine, pending, yieldNow } from "@spindle/core";
import { defineJobs, type JobSet } from "../mod.ts";

/** What `throwValue` throws. */
export type ThrownKind =
  | "string"
  | "undefined"
  | "null"
  | "number"
  | "symbol"
  | "object"
  | "proxy"
  | "revoked"
  | "errorWithFunction";

/** Which part of the error `throwUndescribable` throws makes throw when read. */
export type UndescribablePart = "message" | "name" | "stack" | "cause" | "toString" | "all" | "nested";

/** The jobs of the peer tests. */
export type PeerJobs = {
  add: (a: number, b: number) => number;
  throwValue: (kind: ThrownKind) => never;
  throwUndescribable: (part: UndescribablePart) => never;
  failLater: (message: string) => Coroutine<never>;
  returnUnreadable: (nested: boolean) => unknown;
  crashUndescribable: () => Coroutine<never>;
  env: (key: string) => string | null;
  whoami: () => number;
  exitAfterReturning: (code: number) => number;
  throwAfterReturning: () => number;
};

function thrownValue(kind: ThrownKind): unknown {
  switch (kind) {
    case "string":
      return "a plain string";
    case "undefined":
      return undefined;
    case "null":
      return null;
    case "number":
      return 42;
    case "symbol":
      return Symbol("thrown");
    case "object":
      return { code: "E_PLAIN", detail: [1, 2] };
    case "proxy":
      return throwingProxy({}, () => new Error("proxy get trap"));
    case "errorWithFunction":
      return Object.assign(new RangeError("out of range"), { retry: () => 1 });
    case "revoked": {
      const { proxy, revoke } = Proxy.revocable({}, {});
      revoke();
      return proxy;
    }
  }
}

/**
 * A Proxy of `target` whose every trap that reads, converts or inspects it throws: `get` throws
 * what `onGet` makes, the others an error naming the trap.
 */
function throwingProxy(target: object, onGet: () => unknown): unknown {
  const trap = (name: string) => () => {
    throw new Error(`proxy ${name} trap`);
  };
  return new Proxy(target, {
    get() {
      throw onGet();
    },
    getPrototypeOf: trap("getPrototypeOf"),
    ownKeys: trap("ownKeys"),
    getOwnPropertyDescriptor: trap("getOwnPropertyDescriptor"),
    has: trap("has"),
  });
}

/** A value that throws whenever it is read, converted or inspected: what a broken getter throws. */
function hostile(): unknown {
  return throwingProxy(function hostile() {}, hostile);
}

function undescribable(part: UndescribablePart): Error {
  const error = new Error("the original message");
  const parts: readonly string[] = part === "all" || part === "nested"
    ? ["message", "name", "stack", "cause", "toString"]
    : [part];
  for (const key of parts) {
    Object.defineProperty(error, key, {
      get() {
        if (part === "nested") throw hostile();
        throw new Error(`${key} getter`);
      },
      enumerable: false,
      configurable: true,
    });
  }
  return error;
}

const jobs: JobSet<PeerJobs> = defineJobs<PeerJobs>({
  add(a, b) {
    return a + b;
  },
  throwValue(kind) {
    throw thrownValue(kind);
  },
  throwUndescribable(part) {
    throw undescribable(part);
  },
  // A result with a getter that throws an error, or (nested) a value that cannot be read either.
  returnUnreadable(nested) {
    return {
      get field(): unknown {
        throw nested ? hostile() : new RangeError("field getter");
      },
    };
  },
  // Kills its worker with an uncaught error whose message getter throws.
  *crashUndescribable() {
    setTimeout(() => {
      throw undescribable("message");
    }, 1);
    return yield* pending<never>();
  },
  *failLater(message) {
    yield* yieldNow();
    throw new TypeError(message);
  },
  env(key) {
    return process.env[key] ?? null;
  },
  whoami() {
    return threadId;
  },
  // Returns its thread's id, and ends its thread just after (piscina's "exiting process in
  // immediate after task"): no job is running when it dies.
  exitAfterReturning(code) {
    setTimeout(() => process.exit(code), 1);
    return threadId;
  },
  // Returns its thread's id; an uncaught error in a host callback kills the thread just after.
  throwAfterReturning() {
    setTimeout(() => {
      throw new Error("uncaught after the job returned");
    }, 1);
    return threadId;
  },
});
export default jobs;
