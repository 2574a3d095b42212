/**
 * `npm start`: a tour of every example, one line of explanation each, then its output.
 * `npm start -- <name>` runs one example.
 */
import process from "node:process";
import { examples } from "./examples.ts";
import { runExample } from "./run-example.ts";

const wanted = process.argv[2];
const chosen = wanted === undefined ? examples : examples.filter((example) => example.name === wanted);
if (chosen.length === 0) {
  console.error(`unknown example ${JSON.stringify(wanted)}; choose one of: ${examples.map((e) => e.name).join(", ")}`);
  process.exit(2);
}

let failed = 0;
for (const [i, example] of chosen.entries()) {
  console.log(`\n[${i + 1}/${chosen.length}] ${example.name}: ${example.about}`);
  const run = await runExample(example.name);
  for (const line of run.stdout.trimEnd().split("\n")) console.log(`    ${line}`);
  if (run.code !== 0) {
    failed++;
    console.log(`    (exited with ${run.code})\n${run.stderr}`);
  }
}
process.exitCode = failed === 0 ? 0 : 1;
