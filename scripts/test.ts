// `npm test`: (a) `turbo run build typecheck`, (b) `deno fmt --check` and `deno lint`, the package
// checks (check-packages.ts) and the consumer check (check-consumer.ts: packed tarballs, sources
// over http, bundles; 15-50 s) and the documentation output check (check-doc-output.ts: every
// README and docs/ block on each runtime, its printed values against its comments; 2-3 min), then
// (c) the test matrix: each runtime's own test runner over each package's src/**/*.test.ts, one
// leg at a time (2 vCPUs; the concurrency tests are timing-sensitive), output to a log file.
// A leg fails when its runner exits non-zero, its counts cannot be parsed, it ran no tests
// (Node reports 0 tests and exit 0 when it finds none) or a test failed.
// The last line printed is always `N passed, N failed`.
// Usage: node scripts/test.ts [--runtime node22,deno] [--package core] [--skip-build] [--skip-checks]
import { mkdtempSync, openSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { checkConsumer } from "./check-consumer.ts";
import { checkDocOutput } from "./check-doc-output.ts";
import { checkPackages } from "./check-packages.ts";
import { bin, capture, type Pkg, publicPackages, runBounded, stripAnsi, testedPackages, turbo } from "./workspace.ts";

// A bound on one package's leg on one runtime (a hang fails it instead of stalling CI). Deno
// type-checks each worker's modules when it starts, so its work-stealing leg is the longest:
// 265 s on a quiet machine before the direct injector, heap and idle tests were added (about
// 30 s more), and far longer on a loaded one. With this round's piscina ports (52 tests, each
// starting runtimes) it ran past 15 minutes on a quiet machine (2026-12-06, still making
// progress in its doc tests), so the bound is 30 minutes.
const LEG_TIMEOUT_MS = 30 * 60_000;

interface Runtime {
  bin: string;
  /** Commands to run before the tests, each to succeed (Deno's type-check). */
  before?: (pkg: Pkg) => string[][];
  args: (pkg: Pkg) => string[];
  /** Counts from the runner's summary, or undefined when there is none. */
  parse: (log: string, files: string[]) => { passed: number; failed: number } | undefined;
}

const last = (log: string, re: RegExp): RegExpMatchArray | undefined => [...log.matchAll(re)].at(-1);

// node --test with TAP: the summary comes last, at column 0 (`# pass 3`, `# fail 0`, `# cancelled 0`).
// A file that defines no tests is reported as one passing test named after the file
// (`ok 1 - packages/x/src/a.test.ts`); those are not counted.
// No --test-force-exit: with it, Node 22 and 24 sometimes end a test file's process before the
// results of its last tests reach the runner (a file of 40 quick tests reported 34–40 of them),
// and the leg passes with tests silently missing. Without it Node waits for each file's event loop
// to drain, so a test that leaves something ref'd (a parked executor, a worker) hangs its leg
// until LEG_TIMEOUT_MS and fails it: every test must clean up after itself.
const nodeRunner = (node: string): Runtime => ({
  bin: node,
  args: (pkg) => ["--conditions=@spindle/source", "--test", "--test-reporter=tap", ...pkg.tests],
  parse(log, files) {
    const [pass, fail, cancelled] = ["pass", "fail", "cancelled"].map((k) =>
      last(log, new RegExp(`^# ${k} (\\d+)$`, "gm"))
    );
    if (!pass || !fail) return undefined;
    const empty = [...log.matchAll(/^ok \d+ - (.*)$/gm)].filter((m) => files.includes(m[1]!)).length;
    return { passed: +pass[1]! - empty, failed: +fail[1]! + +(cancelled?.[1] ?? 0) };
  },
});

const runtimes: Record<string, Runtime> = {
  node22: nodeRunner(bin.node22),
  node24: nodeRunner(bin.node24),
  // Run from the root so the root deno.json workspace applies. Deno maps a package that has a
  // deno.json to its source; one without resolves through package.json `exports`, hence
  // --conditions. Type-checked by `deno check` first (see below): Deno's check handles the `node:`
  // imports, once the root deno.json sets `compilerOptions` (otherwise Deno adopts each package's
  // tsconfig.json, whose `lib` lacks Deno's, and rejects `import.meta.url`).
  // `ok | 3 passed | 0 failed` or `FAILED | 2 passed (1 step) | 1 failed (1 step)`; steps
  // (t.test subtests) are not added in. With --doc, every `@example` of a published package's
  // sources and the code of its README run too (checked by `deno check --doc` and `--doc-only`),
  // so Deno's counts are higher.
  // --unstable-net: reactor-net's "deno" backend needs Deno.listenDatagram, which exists only with it.
  // The type-check runs once, before the tests, and the tests run with --no-check: checked by
  // `deno test`, every worker a test starts was type-checked again when it started (its graph is
  // not in the check cache), 283 times in work-stealing's leg, which took 29m50s of its 30 minutes
  // and failed three tests waiting for replacement workers (fresh-clone CI, 2026-12-06).
  deno: {
    bin: bin.deno,
    before: (pkg) => {
      const markdown = pkg.docs.filter((f) => f.endsWith(".md"));
      const code = pkg.docs.filter((f) => !f.endsWith(".md"));
      const check = ["check", "--unstable-net", "--conditions=@spindle/source"];
      return [
        [...check, "--doc", ...pkg.tests, ...code],
        ...(markdown.length ? [[...check, "--doc-only", ...markdown]] : []),
      ];
    },
    args: (
      pkg,
    ) => [
      "test",
      "-A",
      "--unstable-net",
      "--doc",
      "--no-check",
      "--conditions=@spindle/source",
      ...pkg.tests,
      ...pkg.docs,
    ],
    parse(log) {
      const m = last(log, /^(?:ok|FAILED) \| (\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed/gm);
      return m && { passed: +m[1]!, failed: +m[2]! };
    },
  },
  // `bun test --conditions` works although only `bun --help` lists it (bunfig.toml has no such
  // setting). Paths need a `./` or bun takes them as name filters. Bun's default per-test timeout
  // is 5 s; Node and Deno have none, so raise it to the leg's. Summary: ` 3 pass` / ` 0 fail`.
  bun: {
    bin: bin.bun,
    args: (
      pkg,
    ) => ["test", "--conditions=@spindle/source", `--timeout=${LEG_TIMEOUT_MS}`, ...pkg.tests.map((f) => `./${f}`)],
    parse(log) {
      const pass = last(log, /^\s*(\d+) pass$/gm);
      const fail = last(log, /^\s*(\d+) fail$/gm);
      return pass && fail ? { passed: +pass[1]!, failed: +fail[1]! } : undefined;
    },
  },
};

interface Leg {
  runtime: string;
  pkg: Pkg;
  log: string;
  passed: number;
  failed: number;
  /** Why the leg failed beyond failed tests: exit code, timeout, no summary, no tests. */
  problem?: string;
}

/** Runs one command with its output to `log`, within the leg's time bound. */
function runToLog(cmd: string, args: string[], log: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const fd = openSync(log, "w");
  return runBounded(cmd, args, { stdio: ["ignore", fd, fd], timeoutMs: LEG_TIMEOUT_MS, env });
}

async function runLeg(runtime: string, pkg: Pkg, logDir: string): Promise<Leg> {
  const rt = runtimes[runtime]!;
  const log = join(logDir, `${runtime}-${pkg.short}.log`);
  // Tests that spawn a child of their own runtime find it here.
  const env = { ...process.env, SPINDLE_TEST_RUNTIME: runtime, SPINDLE_TEST_RUNTIME_BIN: rt.bin };
  for (const [i, args] of (rt.before?.(pkg) ?? []).entries()) {
    const beforeLog = join(logDir, `${runtime}-${pkg.short}-before-${i + 1}.log`);
    const failed = await runToLog(rt.bin, args, beforeLog, env);
    if (failed) return { runtime, pkg, log: beforeLog, passed: 0, failed: 0, problem: `${args[0]} failed (${failed})` };
  }
  const exit = await runToLog(rt.bin, rt.args(pkg), log, env);
  const counts = rt.parse(stripAnsi(readFileSync(log, "utf8")), pkg.tests);
  const leg: Leg = { runtime, pkg, log, passed: counts?.passed ?? 0, failed: counts?.failed ?? 0 };
  // A runner exits non-zero when tests fail; otherwise the exit code is a problem of its own.
  if (exit && !(counts && counts.failed > 0)) leg.problem = exit;
  else if (!counts) leg.problem = "no test summary in the output";
  else if (counts.passed + counts.failed === 0) leg.problem = "ran no tests";
  return leg;
}

const legFailed = (l: Leg): boolean => l.failed > 0 || l.problem !== undefined;

function table(legs: Leg[], names: string[], pkgs: Pkg[]): string {
  const cell = (l: Leg | undefined): string =>
    !l
      ? "-"
      : `${l.passed} passed / ${l.failed} failed${l.problem ? ` (${l.problem})` : ""}${legFailed(l) ? " FAIL" : ""}`;
  const rows = [
    ["", ...names],
    ...pkgs.map((p) => [p.short, ...names.map((r) => cell(legs.find((l) => l.runtime === r && l.pkg === p)))]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) => row.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n");
}

const { values: opts } = parseArgs({
  options: {
    runtime: { type: "string" },
    package: { type: "string" },
    "skip-build": { type: "boolean", default: false },
    "skip-checks": { type: "boolean", default: false },
  },
});
const names = opts.runtime?.split(",") ?? Object.keys(runtimes);
const unknown = names.filter((n) => !(n in runtimes));
if (unknown.length) {
  console.error(`unknown runtime ${unknown.join(", ")}; known: ${Object.keys(runtimes).join(", ")}`);
  process.exit(2);
}
const wanted = opts.package?.split(",");
const pkgs = testedPackages().filter((p) => !wanted || wanted.includes(p.short) || wanted.includes(p.name));

const failures: string[] = [];
if (!opts["skip-build"]) {
  console.log("\n== turbo run build typecheck");
  if (!turbo(["build", "typecheck"])) failures.push("build/typecheck");
}
if (!opts["skip-checks"]) {
  console.log("\n== format and lint (deno fmt --check, deno lint; settings in deno.json)");
  for (const args of [["fmt", "--check"], ["lint"]]) {
    const r = capture(bin.deno, args);
    console.log(`${r.ok ? "ok  " : "FAIL"} deno ${args.join(" ")}`);
    if (!r.ok) {
      console.log(stripAnsi(r.output).trimEnd().split("\n").slice(-40).join("\n"));
      failures.push(`deno ${args.join(" ")}`);
    }
  }
  console.log("\n== package checks");
  if (failures.length) console.log("skipped: the build failed");
  else if (!checkPackages(publicPackages())) failures.push("package checks");
  console.log("\n== consumer check");
  if (failures.length) console.log("skipped: the build failed");
  else if (!(await checkConsumer())) failures.push("consumer check");
  console.log("\n== documentation output (each README and docs/ block on every runtime, against its comments)");
  if (!(await checkDocOutput())) failures.push("documentation output");
}

console.log("\n== tests");
const logDir = mkdtempSync(join(tmpdir(), "spindle-test-"));
const legs: Leg[] = [];
for (const runtime of names) {
  for (const pkg of pkgs) {
    const started = performance.now();
    const leg = await runLeg(runtime, pkg, logDir);
    const secs = ((performance.now() - started) / 1000).toFixed(1);
    console.log(
      `${legFailed(leg) ? "FAIL " : "ok  "}${runtime} ${pkg.short}: ${leg.passed} passed / ${leg.failed} failed${
        leg.problem ? `, ${leg.problem}` : ""
      } (${secs} s)`,
    );
    legs.push(leg);
  }
}
if (legs.length === 0) failures.push(`no test legs (no package with tests matches --package ${opts.package})`);

console.log(`\n${table(legs, names, pkgs)}\n\nlogs: ${logDir}`);
for (const leg of legs.filter(legFailed)) {
  const tail = stripAnsi(readFileSync(leg.log, "utf8")).trimEnd().split("\n").slice(-60).join("\n");
  console.log(`\n== ${leg.runtime} ${leg.pkg.short} (last 60 lines of ${leg.log})\n${tail}`);
}
// Node 22 and Node 24 run the very same test files, so they must count the same tests; a
// difference means results were lost (as --test-force-exit once did).
for (const pkg of pkgs) {
  const [a, b] = ["node22", "node24"].map((r) => legs.find((l) => l.runtime === r && l.pkg === pkg));
  if (a && b && !legFailed(a) && !legFailed(b) && a.passed !== b.passed) {
    failures.push(`${pkg.short}: Node 22 counted ${a.passed} tests, Node 24 ${b.passed}`);
  }
}
const failedLegs = legs.filter(legFailed).length;
if (failedLegs) failures.push(`${failedLegs} of ${legs.length} test legs`);
if (failures.length) console.log(`\nFAILED: ${failures.join(", ")}`);
const sum = (f: (l: Leg) => number): number => legs.reduce((n, l) => n + f(l), 0);
console.log(`\n${sum((l) => l.passed)} passed, ${sum((l) => l.failed)} failed`);
process.exitCode = failures.length ? 1 : 0;
