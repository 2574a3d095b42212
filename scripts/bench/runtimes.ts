// The runtimes `npm run bench` runs benchmarks under, and the command line each needs.
import { spawnSync } from "node:child_process";
import { bin } from "../workspace.ts";

export interface Runtime {
  /** How the docs name it. */
  label: string;
  bin: string;
  /**
   * The command line that runs `file` (relative to the root) with the benchmark's own `args`;
   * `flags` are the runtime's own flags that the benchmark asks for (see `BenchSection.runtimeFlags`).
   */
  args: (file: string, args: string[], flags?: string[]) => string[];
  version: () => string;
}

const firstLine = (cmd: string, args: string[]): string =>
  (spawnSync(cmd, args, { encoding: "utf8" }).stdout ?? "").trim().split("\n")[0] ?? "?";

// Benchmarks run the built packages (`dist`, what npm users run), never the TypeScript sources:
// no `--conditions=@spindle/source`, and Deno runs with scripts/bench/deno-dist.json instead of the
// root deno.json, whose workspace would map @spindle/* to their sources. `npm run bench` builds
// first. V8 natives syntax lets a benchmark report which tier (Ignition/Maglev/TurboFan) its hot
// functions reached; it does not change the JIT. No benchmark forces garbage collection (see
// harness.ts).
const nodeRuntime = (label: string, node: string): Runtime => ({
  label,
  bin: node,
  args: (file, args, flags = []) => [...flags, "--allow-natives-syntax", file, ...args],
  version: () => firstLine(node, ["--version"]),
});

/** Every runtime a run can pick with `--runtime`, by key. */
export const runtimes: Record<string, Runtime> = {
  node24: nodeRuntime("Node 24", bin.node24),
  node22: nodeRuntime("Node 22", bin.node22),
  // Run from the root, with a config that only reads node_modules (where @spindle/* link to the
  // packages, whose package.json exports point at dist).
  deno: {
    label: "Deno",
    bin: bin.deno,
    args: (
      file,
      args,
      flags = [],
    ) => [
      "run",
      "-A",
      "--config",
      "scripts/bench/deno-dist.json",
      ...flags,
      "--v8-flags=--allow-natives-syntax",
      file,
      ...args,
    ],
    version: () => firstLine(bin.deno, ["--version"]),
  },
  bun: {
    label: "Bun",
    bin: bin.bun,
    args: (file, args, flags = []) => [...flags, file, ...args],
    version: () => `bun ${firstLine(bin.bun, ["--version"])}`,
  },
};

/** The runtimes a run uses without `--runtime`. */
export const DEFAULT_RUNTIMES = ["node24", "deno", "bun"];
