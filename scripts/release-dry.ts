// `npm run release:dry`: what a release would publish, offline. Builds, runs the consumer check
// (check-consumer.ts: the packed tarballs installed and run as users do), then
// `npm pack --dry-run` in each public package, printing its file list and failing on test files,
// src/ files or another package's files; then the package checks (check-packages.ts).
// Usage: node scripts/release-dry.ts
import { spawnSync } from "node:child_process";
import { checkConsumer } from "./check-consumer.ts";
import { checkPackages } from "./check-packages.ts";
import { type Pkg, publicPackages, turbo } from "./workspace.ts";

// Only dist/, README, CHANGELOG, LICENSE and the package's own package.json belong in a tarball.
function unwanted(path: string): string | undefined {
  if (/\.test\./.test(path)) return "test file";
  if (path.startsWith("src/")) return "source file (exports point at dist/)";
  if (/(^|\/)(node_modules|packages|apps)\//.test(path) || (path.endsWith("package.json") && path !== "package.json")) {
    return "another package's file";
  }
  return undefined;
}

function pack(pkg: Pkg): boolean {
  const r = spawnSync("npm", ["pack", "--dry-run", "--json"], { cwd: pkg.path, encoding: "utf8" });
  if (r.status !== 0) {
    console.log(`FAIL npm-pack ${pkg.name}\n${r.stdout}${r.stderr}`);
    return false;
  }
  const [info] = JSON.parse(r.stdout) as { filename: string; size: number; files: { path: string; size: number }[] }[];
  const problems = info!.files.flatMap((f) => unwanted(f.path) ? [`${f.path}: ${unwanted(f.path)}`] : []);
  console.log(
    `${problems.length ? "FAIL " : "ok  "}npm-pack ${pkg.name}: ${info!.filename}, ${info!.files.length} files, ${
      info!.size
    } B packed`,
  );
  for (const f of info!.files) console.log(`    ${String(f.size).padStart(8)}  ${f.path}`);
  for (const p of problems) console.log(`    not for publishing: ${p}`);
  return problems.length === 0;
}

console.log("== turbo run build");
let ok = turbo(["build"]);
if (ok) {
  console.log("\n== consumer check");
  ok = (await checkConsumer()) && ok;
  console.log("\n== npm pack --dry-run");
  for (const pkg of publicPackages()) ok = pack(pkg) && ok;
  console.log("\n== package checks");
  ok = checkPackages() && ok;
}
console.log(ok ? "\nrelease dry run: ok" : "\nrelease dry run: FAILED");
process.exit(ok ? 0 : 1);
