// A machine thread's entry when running from source (Node with the `@spindle/source` condition,
// Deno, JSR): runtime.ts starts `./worker-main.js` by that literal name, which bundlers follow,
// and the build emits dist/worker-main.js from worker-main.ts under the same name.
import "./worker-main.ts";
