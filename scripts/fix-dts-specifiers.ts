// Rewrites relative `./x.ts` / `../x.ts` module specifiers to `.js` in the .d.ts (and any .js)
// files tsc emitted under DIR. tsc's `rewriteRelativeImportExtensions` fixes .js output but leaves
// `.ts` specifiers in declarations (TypeScript issue 61037), which consumers cannot resolve.
// Usage: node ../../scripts/fix-dts-specifiers.ts dist
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

// `from "./x.ts"`, `import("../x.ts")`, `import "./x.ts"` (also .mts/.cts); `./x.d.ts` is left alone.
const SPECIFIER = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(["'])(\.\.?\/[^"']*?)(?<!\.d)\.(m|c)?ts\2/g;

export function fixSpecifiers(text: string): string {
  return text.replace(
    SPECIFIER,
    (_m, lead: string, q: string, path: string, mc: string | undefined) => `${lead}${q}${path}.${mc ?? ""}js${q}`,
  );
}

export function fixDir(dir: string): string[] {
  const changed: string[] = [];
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !/\.(d\.[mc]?ts|[mc]?js)$/.test(entry.name)) continue;
    const file = join(entry.parentPath, entry.name);
    const before = readFileSync(file, "utf8");
    const after = fixSpecifiers(before);
    if (after !== before) {
      writeFileSync(file, after);
      changed.push(file);
    }
  }
  return changed;
}

if (import.meta.main) {
  const dir = process.argv[2];
  if (!dir) {
    console.error("usage: fix-dts-specifiers.ts DIR");
    process.exit(2);
  }
  fixDir(dir);
}
