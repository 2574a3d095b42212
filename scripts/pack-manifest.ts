// npm `prepack` / `postpack` of each public package: the published package.json leaves out the
// `"@spindle/source"` export condition, which points at `src/` (the repository's sources, for
// its tests) and would name files the tarball does not have. `strip` keeps the original beside it
// and removes the condition; `restore` puts the original back (npm runs it after packing, also
// after `npm publish`). A leftover backup means a pack was interrupted: `restore` fixes it.
// Usage (from a package folder): node ../../scripts/pack-manifest.ts strip|restore
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";

const MANIFEST = "package.json";
const BACKUP = ".package.json.workspace";
const CONDITION = "@spindle/source";

/** `exports` without the development condition, at any depth. */
function withoutCondition(value: unknown): unknown {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
  return Object.fromEntries(
    Object.entries(value).filter(([key]) => key !== CONDITION).map(([key, v]) => [key, withoutCondition(v)]),
  );
}

const command = process.argv[2];
if (command === "strip") {
  if (existsSync(BACKUP)) {
    console.error(
      `${BACKUP} exists: an earlier pack was interrupted; run \`node ../../scripts/pack-manifest.ts restore\` first`,
    );
    process.exit(1);
  }
  const text = readFileSync(MANIFEST, "utf8");
  const manifest = JSON.parse(text);
  writeFileSync(BACKUP, text);
  writeFileSync(MANIFEST, `${JSON.stringify({ ...manifest, exports: withoutCondition(manifest.exports) }, null, 2)}\n`);
} else if (command === "restore") {
  if (existsSync(BACKUP)) renameSync(BACKUP, MANIFEST);
} else {
  console.error("usage: pack-manifest.ts strip|restore");
  process.exit(2);
}
