// Shared by the scripts: the workspace packages (root package.json `workspaces`, plain paths),
// which are public (no `"private": true`) and which have tests (`src/**/*.test.ts`); the paths of
// the repo's own tool binaries; helpers to run a command and to run turbo tasks.
import { spawn, spawnSync, type StdioOptions } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";

export const root: string = resolve(import.meta.dirname, "..");

type Tool = "node22" | "node24" | "deno" | "bun" | "turbo" | "publint" | "attw";

/** Tool binaries installed by `npm install` (never the system `node`, which is v20). */
export const bin: Record<Tool, string> = {
  node22: join(root, "node_modules/node22/bin/node"),
  node24: join(root, "node_modules/node24/bin/node"),
  deno: join(root, "node_modules/deno/deno"),
  bun: join(root, "node_modules/bun/bin/bun.exe"),
  turbo: join(root, "node_modules/.bin/turbo"),
  publint: join(root, "node_modules/.bin/publint"),
  attw: join(root, "node_modules/.bin/attw"),
};

export interface Pkg {
  /** Relative to the root, e.g. `packages/core`. */
  dir: string;
  /** Absolute path. */
  path: string;
  /** The folder name, e.g. `core`. */
  short: string;
  name: string;
  version: string;
  public: boolean;
  /** `src/**\/*.test.ts`, relative to the root, sorted. */
  tests: string[];
  /** Files whose code examples run as doc tests: the non-test sources and the README. */
  docs: string[];
}

// deno-lint-ignore no-explicit-any -- a manifest read field by field (package.json, deno.json, the lockfile)
export function readJson(file: string): any {
  return JSON.parse(readFileSync(file, "utf8"));
}

/** The `.ts` files under `path/src` (relative to the root, sorted) that `keep` accepts. */
function sourceFiles(path: string, keep: (file: string) => boolean): string[] {
  const src = join(path, "src");
  if (!existsSync(src)) return [];
  return readdirSync(src, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) => relative(root, join(e.parentPath, e.name)))
    .filter(keep)
    .sort();
}

const isTest = (file: string): boolean => file.endsWith(".test.ts");

function docFiles(path: string): string[] {
  const readme = join(path, "README.md");
  const sources = sourceFiles(path, (f) => !isTest(f) && !f.includes("/test-support/"));
  return existsSync(readme) ? [...sources, relative(root, readme)] : sources;
}

export function packages(): Pkg[] {
  const dirs: string[] = readJson(join(root, "package.json")).workspaces ?? [];
  return dirs.map((dir) => {
    const path = join(root, dir);
    const manifest = readJson(join(path, "package.json"));
    return {
      dir,
      path,
      short: dir.split("/").at(-1)!,
      name: manifest.name,
      version: manifest.version,
      public: manifest.private !== true,
      tests: sourceFiles(path, isTest),
      docs: manifest.private === true ? [] : docFiles(path),
    };
  });
}

export const publicPackages = (): Pkg[] => packages().filter((p) => p.public);
export const testedPackages = (): Pkg[] => packages().filter((p) => p.tests.length > 0);

// deno-lint-ignore no-control-regex -- ESC starts the ANSI sequences this removes
export const stripAnsi = (s: string): string => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "");

/** Runs a command from the root; returns its exit status and combined, ANSI-free output. */
export function capture(cmd: string, args: string[], cwd: string = root): { ok: boolean; output: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  const output = stripAnsi(`${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? String(r.error) : ""}`);
  return { ok: r.status === 0, output };
}

/** `turbo run <tasks>` with output shown: no telemetry, no update check, local cache only. */
export function turbo(tasks: string[]): boolean {
  const env = { ...process.env, TURBO_TELEMETRY_DISABLED: "1", DO_NOT_TRACK: "1", TURBO_NO_UPDATE_NOTIFIER: "1" };
  const args = [bin.turbo, "run", ...tasks, "--cache=local:rw", "--ui=stream", "--log-order=grouped"];
  return spawnSync(bin.node24, args, { cwd: root, env, stdio: "inherit" }).status === 0;
}

/**
 * Runs a command from the root in its own process group, and kills the whole group (children
 * included) after `timeoutMs`. Resolves `undefined` on exit 0, else what went wrong.
 */
export function runBounded(
  cmd: string,
  args: string[],
  options: { stdio: StdioOptions; timeoutMs: number; env?: NodeJS.ProcessEnv },
): Promise<string | undefined> {
  const child = spawn(cmd, args, { cwd: root, env: options.env ?? process.env, stdio: options.stdio, detached: true });
  return new Promise((resolve) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      process.kill(-child.pid!, "SIGKILL");
    }, options.timeoutMs);
    child.on("error", (err) => {
      clearTimeout(timer);
      resolve(String(err));
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (timedOut) resolve(`timed out after ${options.timeoutMs / 1000} s`);
      else resolve(code === 0 ? undefined : `exit ${code ?? signal}`);
    });
  });
}
