// README.md:8
import { LocalExecutor, fromPromise, type Coroutine } from "@spindle/core";

function* greet(name: string): Coroutine<string> {
  const who: string = yield* fromPromise(Promise.resolve(name));
  return `hello, ${who}`;
}

const executor = new LocalExecutor();
const greeting = executor.spawn(greet("spindle"));
await executor.run();
console.log(await greeting); // hello, spindle
