// Publish gates for every public package, all offline: publint (strict), attw (needs a build),
// `deno doc --lint`, no relative `.ts` specifiers left in dist/**/*.d.ts (TypeScript issue 61037),
// no `any` in those declarations, a LICENSE and a CHANGELOG.md in the package folder,
// the root deno.json workspace lists the package, its deno.json version and the root
// package-lock.json's entry for it equal package.json's;
// then one `deno publish --dry-run` at the root, which checks every JSR package together.
// Prints `ok  <check> <package>` or `FAIL <check> <package>` plus the tool's output.
// Usage: node scripts/check-packages.ts   (build first: `npm run build`)
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fixSpecifiers } from "./fix-dts-specifiers.ts";
import { versionMismatch } from "./sync-deno-versions.ts";
import { bin, capture, packages, type Pkg, publicPackages, readJson, root } from "./workspace.ts";

type Result = { ok: boolean; output: string };

const publint = (pkg: Pkg): Result => capture(bin.node24, [bin.publint, "--strict", pkg.dir]);

function attw(pkg: Pkg): Result {
  if (!existsSync(join(pkg.path, "dist"))) return { ok: false, output: `${pkg.dir}/dist is missing: build first` };
  return capture(bin.node24, [bin.attw, "--pack", pkg.dir, "--profile", "esm-only"]);
}

function denoDocLint(pkg: Pkg): Result {
  // The entry points of the package's Spindle dependencies come too: a timer's `Sleep` extends
  // core's `Future`, and deno doc calls a type outside the documented entry points private.
  const dependencies = Object.keys(readJson(join(pkg.path, "package.json")).dependencies ?? {});
  const entries = packages()
    .filter((p) => p.name === pkg.name || dependencies.includes(p.name))
    .map((p) => `${p.dir}/src/mod.ts`);
  const r = capture(bin.deno, ["doc", "--lint", ...entries]);
  // deno doc warns once per `/// <reference path>` in node_modules/@types/node/index.d.ts
  // ("Failed resolving types"): harmless noise that would bury the lint errors.
  const output = r.output.replace(/^Warning Failed resolving types\..*\n\s+at .*@types\/node\/.*\n/gm, "");
  return { ok: r.ok, output };
}

function dtsSpecifiers(pkg: Pkg): Result {
  const files = declarations(pkg);
  if (typeof files === "string") return { ok: false, output: files };
  const bad = files.filter((file) => fixSpecifiers(readFileSync(file, "utf8")) !== readFileSync(file, "utf8"));
  const output = bad.map((f) => `relative .ts specifier in ${f} (run scripts/fix-dts-specifiers.ts)`).join("\n");
  return { ok: bad.length === 0, output };
}

/** The emitted .d.ts files, or why there are none. */
function declarations(pkg: Pkg): string[] | string {
  const dist = join(pkg.path, "dist");
  if (!existsSync(dist)) return `${pkg.dir}/dist is missing: build first`;
  return readdirSync(dist, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.d\.[mc]?ts$/.test(e.name))
    .map((e) => join(e.parentPath, e.name));
}

/** The public API is typed: no `any` in the emitted declarations (comments aside). */
function noAny(pkg: Pkg): Result {
  const files = declarations(pkg);
  if (typeof files === "string") return { ok: false, output: files };
  const withAny = files.filter((file) => {
    const code = readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
    return /\bany\b/.test(code);
  });
  return { ok: withAny.length === 0, output: withAny.map((f) => `\`any\` in the public types: ${f}`).join("\n") };
}

function license(pkg: Pkg): Result {
  const ok = existsSync(join(pkg.path, "LICENSE"));
  return { ok, output: ok ? "" : `${pkg.dir}/LICENSE is missing (npm and JSR ship the package folder only)` };
}

function changelog(pkg: Pkg): Result {
  const ok = existsSync(join(pkg.path, "CHANGELOG.md"));
  return {
    ok,
    output: ok ? "" : `${pkg.dir}/CHANGELOG.md is missing (package.json "files" and deno.json "publish" list it)`,
  };
}

/** `npm run version-packages` bumps package.json; the lockfile must follow (`npm install --package-lock-only`). */
function lockfile(pkg: Pkg): Result {
  const locked = readJson(join(root, "package-lock.json")).packages?.[pkg.dir]?.version;
  const ok = locked === pkg.version;
  return {
    ok,
    output: ok
      ? ""
      : `package-lock.json has ${pkg.name} ${locked}, package.json ${pkg.version} (run npm install --package-lock-only --offline)`,
  };
}

function denoWorkspace(pkg: Pkg): Result {
  const members: string[] = readJson(join(root, "deno.json")).workspace ?? [];
  const ok = members.some((m) => m.replace(/^\.\//, "").replace(/\/$/, "") === pkg.dir);
  return { ok, output: ok ? "" : `add "./${pkg.dir}" to the root deno.json "workspace"` };
}

function versions(pkg: Pkg): Result {
  const problem = versionMismatch(pkg);
  return { ok: !problem, output: problem ? `${problem} (run scripts/sync-deno-versions.ts)` : "" };
}

const perPackage: Record<string, (pkg: Pkg) => Result> = {
  publint,
  attw,
  "deno-doc-lint": denoDocLint,
  "dts-specifiers": dtsSpecifiers,
  "no-any": noAny,
  license,
  changelog,
  lockfile,
  "deno-workspace": denoWorkspace,
  versions,
};

function report(check: string, target: string, r: Result): boolean {
  console.log(`${r.ok ? "ok  " : "FAIL "}${check} ${target}`);
  if (!r.ok) console.log(r.output.trimEnd().replace(/^/gm, "    "));
  return r.ok;
}

/** Runs every check and prints one line each; true when all passed. */
export function checkPackages(pkgs: Pkg[] = publicPackages()): boolean {
  let ok = true;
  for (const pkg of pkgs) {
    for (const [check, run] of Object.entries(perPackage)) ok = report(check, pkg.name, run(pkg)) && ok;
  }
  // Offline: it reads the workspace's deno.json files and local sources only.
  const publish = capture(bin.deno, ["publish", "--dry-run", "--allow-dirty"]);
  ok = report("deno-publish", "(workspace)", publish) && ok;
  // The code blocks of the root README and of docs/ are type-checked and run, like each package's.
  const guides = capture(bin.deno, ["test", "-A", "--doc", "--conditions=@spindle/source", "README.md", "docs/"]);
  return report("doc-examples", "README.md docs/", guides) && ok;
}

if (import.meta.main) process.exit(checkPackages() ? 0 : 1);
