// Copies each public package's package.json version into its deno.json, because
// `changeset version` bumps package.json only and JSR publishes from deno.json.
// `--check` changes nothing and exits 1 naming each package whose versions differ (for CI).
// Usage: node scripts/sync-deno-versions.ts [--check]
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Pkg, publicPackages, readJson } from "./workspace.ts";

/** Why the package's deno.json does not match its package.json, or undefined when it does. */
export function versionMismatch(pkg: Pkg): string | undefined {
  const file = join(pkg.path, "deno.json");
  if (!existsSync(file)) return `${pkg.dir}/deno.json is missing`;
  const deno = readJson(file);
  if (deno.version !== pkg.version) {
    return `${pkg.name}: package.json ${pkg.version}, deno.json ${deno.version}`;
  }
  return undefined;
}

export function syncVersion(pkg: Pkg): boolean {
  const file = join(pkg.path, "deno.json");
  if (!existsSync(file)) return false;
  if (readJson(file).version === pkg.version) return true;
  // Edit the text rather than re-serialise it, so the file keeps its formatting.
  const text = readFileSync(file, "utf8");
  const updated = text.replace(/("version"\s*:\s*)"[^"]*"/, `$1${JSON.stringify(pkg.version)}`);
  if (JSON.parse(updated).version !== pkg.version) return false; // no top-level "version" field
  writeFileSync(file, updated);
  console.log(`${pkg.dir}/deno.json: version ${pkg.version}`);
  return true;
}

if (import.meta.main) {
  const check = process.argv.includes("--check");
  let failed = false;
  for (const pkg of publicPackages()) {
    const problem = versionMismatch(pkg);
    if (!problem) continue;
    if (check || !syncVersion(pkg)) {
      console.error(problem);
      failed = true;
    }
  }
  process.exit(failed ? 1 : 0);
}
