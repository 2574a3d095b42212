import { checkTypeOf, SpindleError } from "./errors.ts";

/**
 * An operation Deno refused for lack of a permission, naming the flag that grants it (`flag`,
 * e.g. `"--allow-read"`); the runtime's own error (`Deno.errors.NotCapable`) is the `cause`.
 *
 * @example
 * ```ts
 * import { PermissionDeniedError } from "@spindle/core";
 *
 * const error = new PermissionDeniedError("starting the timer thread", "--allow-read");
 * console.log(error.message); // starting the timer thread needs Deno's --allow-read permission (run with --allow-read, or -A)
 * console.log(error.code); // PERMISSION_DENIED
 * ```
 */
export class PermissionDeniedError extends SpindleError {
  /** The Deno flag that grants the missing permission, e.g. `"--allow-net"`. */
  readonly flag: string;

  /** Creates the error for `operation`, which needs the permission `flag` grants. */
  constructor(operation: string, flag: string, options?: ErrorOptions) {
    checkTypeOf(operation, "string", "new PermissionDeniedError(): operation");
    checkTypeOf(flag, "string", "new PermissionDeniedError(): flag");
    super("PERMISSION_DENIED", `${operation} needs Deno's ${flag} permission (run with ${flag}, or -A)`, options);
    this.name = "PermissionDeniedError";
    this.flag = flag;
  }
}

/**
 * `error` as a {@linkcode PermissionDeniedError} for `operation` when it is Deno's refusal of a
 * permission (`NotCapable`, named `PermissionDenied` before Deno 2), itself or as the `cause` of
 * an error wrapping it, else `null`. Deno's message names the flag ("run again with the
 * --allow-read flag").
 *
 * @example
 * ```ts
 * import { permissionDenied } from "@spindle/core";
 *
 * const refusal = Object.assign(new Error('Requires net access to "0.0.0.0:0", run again with the --allow-net flag'), { name: "NotCapable" });
 * console.log(permissionDenied(refusal, "binding a UDP socket")?.flag); // --allow-net
 * console.log(permissionDenied(new Error("other"), "binding a UDP socket")); // null
 * ```
 */
export function permissionDenied(error: unknown, operation: string): PermissionDeniedError | null {
  // The refusal may come wrapped (a backend's own error whose `cause` it is): look a few levels down.
  // What cannot be read (a revoked Proxy, a getter that throws: what a job module threw, say) is no
  // refusal of the runtime's, and stays the error it was.
  try {
    for (let e = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
      if (e instanceof PermissionDeniedError) return e;
      if (e.name !== "NotCapable" && e.name !== "PermissionDenied") continue;
      const flag = /--allow-[a-z-]+/.exec(String(e.message))?.[0] ?? "-A";
      return new PermissionDeniedError(operation, flag, { cause: error });
    }
  } catch {
    // not readable: not a refusal
  }
  return null;
}
