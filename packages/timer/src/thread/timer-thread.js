// The timer thread's entry when running from source (Node with the `@spindle/source` condition,
// Deno, JSR): timer-reactor.ts starts `./timer-thread.js` by that literal name, which bundlers
// follow, and the build emits dist/timer-thread.js from timer-thread.ts under the same name.
import "./timer-thread.ts";
