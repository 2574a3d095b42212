import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { test } from "node:test";

test("a machine thread's module graph has no top-level await, so terminating it never lands in an async module's completion", () => {
  // Node 22 and 24 (V8) abort the process ("Check failed: (location_) != nullptr") when a worker
  // is terminated, or the process exits, while an async module's evaluation settles and its
  // importer (the worker-main.js shim) is about to run; see docs/architecture.md. `require` of an
  // ES module graph with top-level await throws ERR_REQUIRE_ASYNC_MODULE on Node and Deno. Bun
  // evaluates such a graph synchronously when no await runs (the entry awaits only off the main
  // thread), and is not affected.
  const require = createRequire(import.meta.url);
  assert.doesNotThrow(() => require("./worker-main.js"));
});
