// The consumer check: the packages used the way users get them, offline. Packs every public
// package (`npm pack`), installs the tarballs into a temporary folder outside the workspace
// (`npm install --offline`: only what the npm cache holds, which `npm install` at the root filled),
// and runs one program using all six packages (scripts/consumer/: a sleep, a UDP echo, a
// `timeout` around `recvFrom`, a bounded mpsc channel between two tasks, fork/join jobs that sleep
// on `jobs.timer`, their arguments and results carried by @spindle/codec) on Node 22, Node 24,
// Deno and Bun, as:
//   - `.mjs` and `.ts` against the installed tarballs;
//   - over http: the packages' sources served by a local HTTP server on 127.0.0.1 (as JSR serves
//     them, but over plain http), run by Deno through an import map (Deno only: Node and Bun do
//     not import from http);
//   - an esbuild, a `bun build` and a webpack bundle made as docs/guides/bundling.md says, each run
//     from a folder without node_modules.
// It also type-checks the `.ts` program with tsc under `nodenext` and `bundler` resolution and the
// `lib` the READMEs tell consumers to use. Every run must exit by itself within RUN_TIMEOUT_MS and
// print the expected lines. Prints a table runtime x mode and returns whether all passed.
// Usage: node scripts/check-consumer.ts   (build first: `npm run build`)
import { spawn, spawnSync } from "node:child_process";
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join, normalize, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { bin, publicPackages, root, stripAnsi } from "./workspace.ts";

const RUN_TIMEOUT_MS = 60_000;
const FIXTURES = join(root, "scripts/consumer");
const EXPECTED = ["sleep ok", "echo ping", "timeout elapsed", "channel 6", "fib 6765", "naps 40"].join("\n");
/** The permissions the packages need on Deno (the READMEs list them): workers read their entry files, sockets need the network. */
const DENO_PERMISSIONS = ["--no-prompt", "--allow-read", "--allow-net"];

type RuntimeName = "node22" | "node24" | "deno" | "bun";
const RUNTIMES: RuntimeName[] = ["node22", "node24", "deno", "bun"];
const MODES = ["tarball .mjs", "tarball .ts", "over http", "esbuild bundle", "bun bundle", "webpack bundle"] as const;
type Bundler = "esbuild" | "bun" | "webpack";
type Mode = (typeof MODES)[number];

interface Outcome {
  ok: boolean;
  /** Shown in the table: seconds, or why it failed. */
  cell: string;
  detail?: string;
}

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  ms: number;
}

/** Runs a command in its own process group; kills the group after `timeoutMs`. */
function run(
  cmd: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs = RUN_TIMEOUT_MS,
): Promise<Ran> {
  const started = performance.now();
  const child = spawn(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk));
  return new Promise((resolve) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      process.kill(-child.pid!, "SIGKILL");
    }, timeoutMs);
    child.on("error", (error) => (stderr += String(error)));
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({
        code,
        stdout: stripAnsi(stdout),
        stderr: stripAnsi(stderr),
        timedOut,
        ms: performance.now() - started,
      });
    });
  });
}

/** A program run passes when it exits 0 by itself and prints exactly the expected lines. */
function judge(r: Ran): Outcome {
  const secs = `${(r.ms / 1000).toFixed(1)} s`;
  const detail = `exit ${r.code}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
  if (r.timedOut) return { ok: false, cell: `FAIL: no exit in ${RUN_TIMEOUT_MS / 1000} s`, detail };
  if (r.code !== 0) return { ok: false, cell: `FAIL: exit ${r.code}`, detail };
  if (r.stdout.trim() !== EXPECTED) return { ok: false, cell: "FAIL: output", detail };
  return { ok: true, cell: `ok ${secs}` };
}

/** How each runtime runs a program file in `cwd`. */
function command(runtime: RuntimeName, file: string): [string, string[]] {
  if (runtime === "deno") return [bin.deno, ["run", ...DENO_PERMISSIONS, file]];
  return [bin[runtime], [file]];
}

function sh(cmd: string, args: string[], cwd: string): { ok: boolean; output: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  return { ok: r.status === 0, output: stripAnsi(`${r.stdout ?? ""}${r.stderr ?? ""}${r.error ?? ""}`) };
}

/** Packs every public package into `dir`; returns the tarball paths. */
function pack(dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  return publicPackages().map((pkg) => {
    const r = spawnSync("npm", ["pack", "--json", "--pack-destination", dir], { cwd: pkg.path, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`npm pack ${pkg.name} failed:\n${r.stdout}${r.stderr}`);
    const [info] = JSON.parse(r.stdout) as { filename: string }[];
    return join(dir, info!.filename);
  });
}

/** The consumer project: the fixtures and the tarballs installed offline. */
function install(app: string, tarballs: string[]): { ok: boolean; output: string } {
  mkdirSync(app, { recursive: true });
  writeFileSync(
    join(app, "package.json"),
    JSON.stringify({ name: "spindle-consumer", private: true, type: "module" }, null, 2),
  );
  for (const file of readdirSync(FIXTURES)) copyFileSync(join(FIXTURES, file), join(app, file));
  const r = sh("npm", ["install", "--offline", "--no-audit", "--no-fund", "--no-update-notifier", ...tarballs], app);
  // The development condition points at src/, which the tarball lacks: prepack strips it.
  const leaked = publicPackages().filter((p) =>
    r.ok && readFileSync(join(app, "node_modules", p.name, "package.json"), "utf8").includes("@spindle/source")
  );
  if (leaked.length) {
    return {
      ok: false,
      output: `the packed package.json of ${
        leaked.map((p) => p.name).join(", ")
      } keeps the "@spindle/source" condition`,
    };
  }
  // For tsc: the root's @types/node, linked (the npm cache holds its tarball but not its registry
  // metadata, which an offline `npm install @types/node` needs).
  if (r.ok) symlinkSync(join(root, "node_modules/@types"), join(app, "node_modules/@types"), "dir");
  return r;
}

/**
 * tsc on the `.ts` program, with the two setups the READMEs name: `nodenext` with @types/node and
 * a plain `lib: ["es2022"]` (@types/node brings `Disposable`, `Symbol.dispose` and `URL`), and
 * `bundler` without @types/node, where `lib` must add `esnext.disposable` and `dom` for them.
 */
function typecheck(app: string, kind: "nodenext" | "bundler"): { ok: boolean; output: string } {
  const file = `tsconfig.${kind}.json`;
  const setup = kind === "nodenext"
    ? { module: "nodenext", moduleResolution: "nodenext", lib: ["es2022"], types: ["node"] }
    : { module: "preserve", moduleResolution: "bundler", lib: ["es2022", "esnext.disposable", "dom"], types: [] };
  const compilerOptions = {
    ...setup,
    target: "es2022",
    strict: true,
    noEmit: true,
    allowImportingTsExtensions: true,
    skipLibCheck: false,
  };
  writeFileSync(join(app, file), JSON.stringify({ compilerOptions, files: ["app.ts", "jobs.ts"] }, null, 2));
  return sh(join(root, "node_modules/.bin/tsc"), ["-p", file], app);
}

/** Serves each public package's published sources (non-test `src/` files) under `/<folder>/`. */
function serveSources(): Promise<{ server: Server; origin: string }> {
  const folders = new Map(publicPackages().map((p) => [p.short, p.path]));
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname)).split(sep).filter(Boolean);
    const [short, ...rest] = path;
    const dir = short === undefined ? undefined : folders.get(short);
    const file = dir === undefined ? undefined : join(dir, ...rest);
    const published = rest[0] === "src" && !rest.includes("test-support") && !/\.test\.ts$/.test(rest.at(-1) ?? "");
    if (file === undefined || !published || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    const type = file.endsWith(".ts") ? "application/typescript" : "text/javascript";
    res.writeHead(200, { "content-type": type }).end(readFileSync(file));
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const address = server.address() as { port: number };
      resolve({ server, origin: `http://127.0.0.1:${address.port}` });
    });
  });
}

/** The program over http on Deno: a folder with only the program, an import map and a fresh cache. */
async function overHttp(tmp: string): Promise<Outcome> {
  const { server, origin } = await serveSources();
  try {
    const dir = join(tmp, "http");
    mkdirSync(dir);
    for (const file of ["app.ts", "jobs.ts"]) copyFileSync(join(FIXTURES, file), join(dir, file));
    const imports = Object.fromEntries(publicPackages().map((p) => [p.name, `${origin}/${p.short}/src/mod.ts`]));
    writeFileSync(join(dir, "import_map.json"), JSON.stringify({ imports }, null, 2));
    const host = new URL(origin).host;
    const env = { ...process.env, DENO_DIR: join(tmp, "deno-dir"), NO_COLOR: "1" };
    const args = ["run", ...DENO_PERMISSIONS, `--allow-import=${host}`, "--import-map=import_map.json", "app.ts"];
    return judge(await run(bin.deno, args, dir, env));
  } finally {
    server.close();
  }
}

/**
 * Bundles as docs/guides/bundling.md says: the program and its job module, then the packages'
 * worker entries (which keep their names: the packages start them by those names), into `out`,
 * then moves `out` to a folder without node_modules (a package.json saying ESM only).
 */
function bundle(app: string, tmp: string, tool: Bundler): { ok: boolean; output: string; dir: string } {
  const out = join(app, `out-${tool}`);
  const workers = [
    "node_modules/@spindle/timer/dist/thread/timer-thread.js",
    "node_modules/@spindle/workstealing/dist/worker-main.js",
  ];
  if (tool === "webpack") writeFileSync(join(app, "webpack.build.mjs"), webpackBuild(out));
  const steps: [string, string[]][] = tool === "webpack"
    ? [[bin.node24, ["webpack.build.mjs"]]]
    : tool === "esbuild"
    ? [
      [join(root, "node_modules/.bin/esbuild"), [
        "app.mjs",
        "jobs.mjs",
        "--bundle",
        "--platform=node",
        "--format=esm",
        `--outdir=${out}`,
        "--out-extension:.js=.mjs",
        "--log-level=warning",
      ]],
      [join(root, "node_modules/.bin/esbuild"), [
        ...workers,
        "--bundle",
        "--platform=node",
        "--format=esm",
        `--outdir=${out}`,
        "--entry-names=[name]",
        "--log-level=warning",
      ]],
    ]
    : [
      [bin.bun, ["build", "app.mjs", "jobs.mjs", "--target=node", `--outdir=${out}`, "--entry-naming=[name].mjs"]],
      [bin.bun, ["build", ...workers, "--target=node", `--outdir=${out}`, "--entry-naming=[name].[ext]"]],
    ];
  let output = "";
  for (const [cmd, args] of steps) {
    const r = sh(cmd, args, app);
    output += r.output;
    if (!r.ok) return { ok: false, output, dir: out };
  }
  if (tool === "webpack") writeFileSync(join(out, "package.json"), "{}"); // only .mjs files: no type needed
  const dir = join(tmp, `bundle-${tool}`);
  cpSync(out, dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }));
  return { ok: true, output, dir };
}

/**
 * webpack (its Node API, no CLI), ESM output: webpack follows the packages' literal
 * `new Worker(new URL("./x.js", import.meta.url))` and emits each worker as a chunk; the job
 * module is an entry of its own, a module library (its default export is the job set).
 */
function webpackBuild(out: string): string {
  const webpack = pathToFileURL(join(root, "node_modules/webpack/lib/index.js")).href;
  return `import webpack from ${JSON.stringify(webpack)};
webpack({
  mode: "production",
  target: "node22",
  context: import.meta.dirname,
  entry: { app: "./app.mjs", jobs: { import: "./jobs.mjs", library: { type: "module" } } },
  experiments: { outputModule: true },
  output: { path: ${
    JSON.stringify(out)
  }, filename: "[name].mjs", chunkFilename: "[id].mjs", module: true, chunkFormat: "module" },
  optimization: { minimize: false },
}, (error, stats) => {
  if (error || stats.hasErrors()) {
    console.error(error ?? stats.toString({ colors: false, all: false, errors: true }));
    process.exit(1);
  }
});
`;
}

function table(results: Map<string, Outcome>): string {
  const rows = [
    ["", ...MODES],
    ...RUNTIMES.map((r) => [r, ...MODES.map((m) => results.get(`${r} ${m}`)?.cell ?? "n/a")]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) => row.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n");
}

/** Runs the whole check, printing progress and the table; true when everything passed. */
export async function checkConsumer(): Promise<boolean> {
  const started = performance.now();
  const tmp = mkdtempSync(join(tmpdir(), "spindle-consumer-"));
  const app = join(tmp, "app");
  const failures: string[] = [];
  const step = (name: string, r: { ok: boolean; output: string }): boolean => {
    console.log(`${r.ok ? "ok  " : "FAIL "}${name}`);
    if (!r.ok) {
      console.log(r.output.trimEnd().replace(/^/gm, "    "));
      failures.push(name);
    }
    return r.ok;
  };
  try {
    const tarballs = pack(join(tmp, "tarballs"));
    console.log(`packed ${tarballs.map((t) => t.split(sep).at(-1)).join(", ")}`);
    if (!step("npm install --offline (the tarballs, outside the workspace)", install(app, tarballs))) return false;
    step("tsc (nodenext; lib es2022, @types/node)", typecheck(app, "nodenext"));
    step("tsc (bundler; lib es2022 + esnext.disposable + dom, no @types/node)", typecheck(app, "bundler"));
    const bundles = new Map<Mode, string>();
    for (const tool of ["esbuild", "bun", "webpack"] as const) {
      const b = bundle(app, tmp, tool);
      if (step(`${tool} bundle`, b)) bundles.set(`${tool} bundle`, b.dir);
    }

    const results = new Map<string, Outcome>();
    const record = (runtime: RuntimeName, mode: Mode, outcome: Outcome): void => {
      results.set(`${runtime} ${mode}`, outcome);
      console.log(`${outcome.ok ? "ok  " : "FAIL "}${runtime} ${mode}: ${outcome.cell}`);
      if (!outcome.ok) {
        console.log((outcome.detail ?? "").trimEnd().replace(/^/gm, "    "));
        failures.push(`${runtime} ${mode}`);
      }
    };
    for (const runtime of RUNTIMES) {
      for (const [mode, file] of [["tarball .mjs", "app.mjs"], ["tarball .ts", "app.ts"]] as const) {
        const [cmd, args] = command(runtime, file);
        record(runtime, mode, judge(await run(cmd, args, app)));
      }
      if (runtime === "deno") record(runtime, "over http", await overHttp(tmp));
      for (const [mode, dir] of bundles) {
        const [cmd, args] = command(runtime, "app.mjs");
        record(runtime, mode, judge(await run(cmd, args, dir)));
      }
    }
    console.log(`\n${table(results)}\n(over http: Deno only; Node and Bun cannot import modules from http)`);
    return failures.length === 0;
  } catch (error) {
    console.log(`FAIL consumer check: ${error instanceof Error ? error.stack : String(error)}`);
    failures.push("consumer check");
    return false;
  } finally {
    const secs = ((performance.now() - started) / 1000).toFixed(1);
    console.log(
      failures.length
        ? `consumer check FAILED (${failures.join(", ")}) in ${secs} s; files kept in ${tmp}`
        : `consumer check: ok in ${secs} s`,
    );
    if (failures.length === 0) rmSync(tmp, { recursive: true, force: true });
  }
}

if (import.meta.main) process.exit((await checkConsumer()) ? 0 : 1);
