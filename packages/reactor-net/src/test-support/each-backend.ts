/**
 * Test support (not published): the backends a test runs on. Each `eachBackend` test runs once
 * per backend this runtime has, named in its title; `unavailable` says how binding with the others
 * must fail here.
 */
import process from "node:process";
import { test } from "node:test";
import { type BackendChoice, UdpSocket, type UdpSocketOptions } from "../mod.ts";

/** Every backend. */
export const BACKENDS: readonly Exclude<BackendChoice, "auto">[] = ["node:dgram", "deno", "bun"];
/** Backends that pull datagrams only while the receive queue has room (the kernel keeps the rest). */
export const PULLING: ReadonlySet<BackendChoice> = new Set(["deno"]);
const denoNamespace = (globalThis as unknown as { Deno?: { listenDatagram?: unknown } }).Deno;
/** The runtime the tests run on. */
export const RUNTIME: "Deno" | "Bun" | "Node" = denoNamespace !== undefined
  ? "Deno"
  : "Bun" in globalThis
  ? "Bun"
  : "Node";

/** The runtime with its version, as `UNSUPPORTED` messages name it: `"Deno 2.9.6"`, read independently of errors.ts. */
export const RUNTIME_WITH_VERSION: string = RUNTIME === "Deno"
  ? `Deno ${(globalThis as unknown as { Deno: { version: { deno: string } } }).Deno.version.deno}`
  : RUNTIME === "Bun"
  ? `Bun ${(globalThis as unknown as { Bun: { version: string } }).Bun.version}`
  : `Node ${process.versions.node}`;

/** The error binding with `backend` must fail with on this runtime, or `undefined` if it can bind. */
export function unavailable(backend: BackendChoice): RegExp | undefined {
  if (backend === "bun") {
    return RUNTIME === "Bun"
      ? undefined
      : new RegExp(`backend "bun" needs Bun's Bun.udpSocket, which ${RUNTIME} does not have`);
  }
  if (backend !== "deno") return undefined;
  if (denoNamespace === undefined) {
    return new RegExp(`needs Deno's Deno.listenDatagram, which ${RUNTIME} does not have`);
  }
  return typeof denoNamespace.listenDatagram === "function" ? undefined : /only with the --unstable-net flag/;
}

/** `UdpSocket.bind` with one backend. */
export type Bind = (address: string, options?: UdpSocketOptions) => Promise<UdpSocket>;

/** Defines `body` as one test per backend available here. */
export function eachBackend(title: string, body: (bind: Bind, backend: BackendChoice) => Promise<void>): void {
  for (const backend of BACKENDS) {
    if (unavailable(backend) !== undefined) continue; // udp-socket.test.ts checks it fails clearly
    test(`${backend}: ${title}`, () =>
      body((address, options) => UdpSocket.bind(address, { ...options, backend }), backend));
  }
}
