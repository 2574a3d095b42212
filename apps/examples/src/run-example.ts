/** Runs one example in a child process of the current runtime and returns its output. */
import { spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";

declare const Deno: unknown;

/** What an example printed, and how it exited. */
export interface ExampleRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `apps/examples/src/<name>.ts` with the runtime running this code. */
export function runExample(name: string): Promise<ExampleRun> {
  const file = fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
  // The source condition makes every Spindle import resolve to the packages' sources, also those
  // Deno does not map through the root deno.json workspace (packages not published yet).
  const args = typeof Deno !== "undefined"
    ? ["run", "-A", "--conditions=@spindle/source", file]
    : ["--conditions=@spindle/source", file];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
