// Which JavaScript runtime this thread runs on, told one way for every package.

/** A runtime Spindle runs on, named as messages name it. */
export type HostRuntime = "Node" | "Deno" | "Bun";

/**
 * The runtime this thread runs on, told from the global each runtime defines for itself
 * (`Deno`, `Bun`) and Node otherwise: the one test every package uses where a runtime needs its
 * own path or its own words in an error (`process.versions` is not it: Deno gives `process` only
 * through its Node compatibility layer, and a bundle for the browser may have none).
 *
 * @example
 * ```ts
 * import { HOST_RUNTIME } from "@spindle/core";
 *
 * console.log(["Node", "Deno", "Bun"].includes(HOST_RUNTIME)); // true
 * ```
 */
export const HOST_RUNTIME: HostRuntime = hostRuntime(globalThis as { Deno?: unknown; Bun?: unknown });

function hostRuntime(host: { Deno?: unknown; Bun?: unknown }): HostRuntime {
  if (host.Bun !== undefined) return "Bun";
  return host.Deno !== undefined ? "Deno" : "Node";
}
