// Runs every runnable ```ts block of the markdown documentation (the root README, each package's
// README, docs/**) on Node 24, Node 22, Bun and Deno, and every `@example` of the published
// packages' sources on Node 24, and checks what each `console.log(...); // <expected>` line prints
// against its comment. `deno test --doc` runs these blocks on Deno only and reads no output, so a
// README or an example could print something other than what it says, or fail on another runtime,
// and no test would see it (two examples did: a length and an interval's tick).
//
// A block runs as a module next to its markdown file (its relative imports resolve as the reader's
// would), from the packages' sources (`--conditions=@spindle/source`). A checked line's values are
// formatted with `node:util`'s `inspect` on every runtime (strings as they are, as `console.log`
// prints them), so the check compares values, not each runtime's console layout. The comment
// passes when it is the printed text, or starts with it followed by an explanation (`// 3 — typed
// from the job module`); quotes and spacing are compared loosely (`'a'` and `"a"`, line breaks).
// Blocks marked ```ts ignore are not run.
// Usage: node scripts/check-doc-output.ts [--runtime node24,bun]
import { spawn } from "node:child_process";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { parseArgs } from "node:util";
import { bin, publicPackages, root } from "./workspace.ts";

interface Checked {
  /** `packages/sync/README.md:96` */
  where: string;
  expected: string;
}

interface Block {
  markdown: string;
  /** The first line of the block's code in its markdown file (1-based). */
  line: number;
  code: string;
  checked: Checked[];
}

const RUNTIMES: Record<string, string[]> = {
  node24: [bin.node24, "--conditions=@spindle/source"],
  node22: [bin.node22, "--conditions=@spindle/source", "--experimental-strip-types", "--no-warnings"],
  bun: [bin.bun, "--conditions=@spindle/source"],
  deno: [bin.deno, "run", "-A", "--unstable-net", "--conditions=@spindle/source"],
};

const BLOCK_TIMEOUT_MS = 120_000;
const TAG = "@@doc-output@@";

/** What the instrumented line calls instead of `console.log`: one tagged line per check. */
const PRELUDE = `import { inspect as __inspect } from "node:util";
const __docOutput = (where: string, ...values: unknown[]): void => {
  const text = values.map((v) => typeof v === "string" ? v : __inspect(v, { breakLength: Infinity, depth: 6 })).join(" ");
  console.log(${JSON.stringify(TAG)} + where + " " + JSON.stringify(text));
};
`;

/** The published packages' sources, whose `@example` blocks are checked (on Node 24). */
function sourceFilesWithExamples(): string[] {
  return publicPackages().flatMap((pkg) => pkg.docs.filter((file) => file.endsWith(".ts"))).map((f) => join(root, f));
}

function markdownFiles(): string[] {
  const files = [join(root, "README.md")];
  for (const dir of ["packages", "docs"]) {
    for (const entry of readdirSync(join(root, dir), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith(".md") || entry.parentPath.includes("node_modules")) continue;
      if (dir === "packages" && entry.name !== "README.md") continue;
      files.push(join(entry.parentPath, entry.name));
    }
  }
  return files.sort();
}

/**
 * The runnable ```ts blocks of `markdown` (or of the doc comments of the source file `markdown`,
 * when `docComments`), each checked `console.log` line instrumented.
 */
function blocksOf(markdown: string, docComments = false): Block[] {
  const text = readFileSync(markdown, "utf8").split("\n");
  const lines = docComments ? text.map((line) => line.replace(/^\s*\* ?/, "")) : text;
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== "```ts") continue;
    const start = i + 1;
    const checked: Checked[] = [];
    const body: string[] = [];
    for (i = start; i < lines.length && lines[i] !== "```"; i++) {
      const m = /^(\s*)console\.log\((.*)\);\s*\/\/\s*(\S.*)$/.exec(lines[i]!);
      if (!m) {
        body.push(lines[i]!);
        continue;
      }
      const where = `${relative(root, markdown)}:${i + 1}`;
      checked.push({ where, expected: m[3]! });
      body.push(`${m[1]}__docOutput(${JSON.stringify(where)}, ${m[2]});`);
    }
    if (checked.length) blocks.push({ markdown, line: start + 1, code: PRELUDE + body.join("\n") + "\n", checked });
  }
  return blocks;
}

/** `'a'` and `"a"` alike, runs of spaces and line breaks as one space, no trailing comma before `]` or `}`. */
const loose = (s: string): string => s.replace(/'/g, '"').replace(/\s+/g, " ").replace(/,\s*([\]}])/g, " $1").trim();

/**
 * Whether the comment `expected` says what was printed: the same, that plus an explanation, or its
 * start cut with `…` or `...` (`// recover(): thread 0 is this thread, …`).
 */
export function saysPrinted(expected: string, printed: string): boolean {
  const e = loose(expected);
  const p = loose(printed);
  const cut = /^(.*?)\s*(?:…|\.\.\.)$/.exec(e);
  if (cut !== null && p.startsWith(cut[1]!)) return true;
  return e === p || (e.startsWith(p) && /^[\s,:;(—-]/.test(e.slice(p.length)));
}

function run(cmd: string[], file: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd[0]!, [...cmd.slice(1), file], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), BLOCK_TIMEOUT_MS);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

/**
 * Runs every markdown block on `runtimes` and every source example on Node 24 (when `runtimes`
 * has it); prints one line per block and runtime, and each mismatch.
 */
export async function checkDocOutput(runtimes: string[] = Object.keys(RUNTIMES)): Promise<boolean> {
  const markdown = markdownFiles().flatMap((file) => blocksOf(file)).map((block) => ({ block, runtimes }));
  const examples = sourceFilesWithExamples().flatMap((file) => blocksOf(file, true))
    .map((block) => ({ block, runtimes: runtimes.filter((r) => r === "node24") }));
  let ok = true;
  for (const [n, { block, runtimes }] of [...markdown, ...examples].entries()) {
    const file = join(dirname(block.markdown), `.doc-output-${n}.mts`);
    writeFileSync(file, block.code);
    try {
      for (const runtime of runtimes) {
        const { code, out } = await run(RUNTIMES[runtime]!, file);
        const printed = new Map<string, string>();
        for (const line of out.split("\n")) {
          if (!line.startsWith(TAG)) continue;
          const rest = line.slice(TAG.length);
          const space = rest.indexOf(" ");
          printed.set(rest.slice(0, space), JSON.parse(rest.slice(space + 1)));
        }
        const wrong = block.checked.filter((c) =>
          !printed.has(c.where) || !saysPrinted(c.expected, printed.get(c.where)!)
        );
        const where = `${relative(root, block.markdown)}:${block.line}`;
        if (code === 0 && wrong.length === 0) {
          console.log(`ok   ${runtime} ${where} (${block.checked.length} checked)`);
          continue;
        }
        ok = false;
        console.log(`FAIL ${runtime} ${where}${code === 0 ? "" : ` (exit ${code})`}`);
        for (const c of wrong) {
          console.log(`    ${c.where}: says ${c.expected}\n    printed ${printed.get(c.where) ?? "nothing"}`);
        }
        if (code !== 0) console.log(out.trimEnd().split("\n").slice(-15).join("\n").replace(/^/gm, "    "));
      }
    } finally {
      rmSync(file, { force: true });
    }
  }
  return ok;
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { runtime: { type: "string" } } });
  process.exit((await checkDocOutput(values.runtime?.split(","))) ? 0 : 1);
}
