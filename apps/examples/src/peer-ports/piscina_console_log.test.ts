// Port of piscina's test/console-log.ts (piscinajs/piscina 4e9791fd46b61c638e7ad05f14ec4540d40898aa)
// onto @spindle/workstealing, written from its README ("Pool size, idle workers and process
// lifetime"). piscina checks that what a worker logs reaches the process's stdout although the
// worker waits in `Atomics.wait`; a Spindle worker parks in `Atomics.wait` too. The child program
// (piscina/console-log-child.ts) runs a job that logs "A" and "B".
// As piscina's fixture, the unref'd program exits by itself with the runtime open. Before the fix
// of issue 23 (workstealing README, "Pool size, idle workers and process lifetime") the job, which
// settles through shared memory ahead of its worker's stdout, let the process exit with "B" still
// on its way (Node 22 and 24 and Bun printed only "A" in 8 runs of 8, Deno both lines); now both
// arrive, and the port checks both, also after `shutdown()`.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import process from "node:process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

declare const Deno: unknown;

function runChild(extra: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const file = fileURLToPath(new URL("./piscina/console-log-child.ts", import.meta.url));
  const args = typeof Deno !== "undefined"
    ? ["run", "-A", "--conditions=@spindle/source", file, ...extra]
    : ["--conditions=@spindle/source", file, ...extra];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => void (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => void (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

test("console.log() calls are not blocked by Atomics.wait()", async () => {
  const shutDown = await runChild([]);
  assert.equal(shutDown.code, 0, `stderr: ${shutDown.stderr}`);
  assert.equal(shutDown.stdout, "A\nB\n");
  const unrefd = await runChild(["unref"]);
  assert.equal(unrefd.code, 0, `the unref'd program exits by itself (stderr: ${unrefd.stderr})`);
  assert.equal(unrefd.stdout, "A\nB\n");
});
