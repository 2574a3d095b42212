import { SpindleError } from "@spindle/core";
import { BunUdpBackend } from "./bun-udp-backend.ts";
import { DenoDatagramBackend } from "./deno-datagram-backend.ts";
import { render } from "./errors.ts";
import { NodeDgramBackend } from "./node-dgram-backend.ts";
import type { UdpBackend } from "./udp-backend.ts";

/**
 * The runtime UDP APIs a socket can use: `"node:dgram"` (Node's API, which Deno and Bun also
 * implement), `"deno"` (`Deno.listenDatagram`: Deno with `--unstable-net` only; elsewhere binding
 * throws `INVALID_ARGUMENT` saying what is missing), `"bun"` (`Bun.udpSocket`: Bun only; elsewhere
 * binding throws `INVALID_ARGUMENT` naming the runtime), or `"auto"`, the default, which picks the
 * fastest measured on the runtime.
 */
export type BackendChoice = "auto" | "node:dgram" | "deno" | "bun";

const BACKENDS: Record<Exclude<BackendChoice, "auto">, () => UdpBackend> = {
  "node:dgram": () => new NodeDgramBackend(),
  "deno": () => new DenoDatagramBackend(),
  "bun": () => new BunUdpBackend(),
};

/** The backend for `choice` on this runtime; throws `INVALID_ARGUMENT` naming an unknown one. */
export function createBackend(choice: unknown): UdpBackend {
  if (choice === "auto") return BACKENDS["node:dgram"]();
  if (typeof choice === "string" && Object.hasOwn(BACKENDS, choice)) return BACKENDS[choice as keyof typeof BACKENDS]();
  throw new SpindleError(
    "INVALID_ARGUMENT",
    `backend must be one of ${["auto", ...Object.keys(BACKENDS)].map((b) => `"${b}"`).join(", ")}, got ${render(choice)}`,
  );
}
