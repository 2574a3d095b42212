// docs/guides/structured-concurrency.md:298
import { abortable, type Coroutine, fromPromise, toPromise } from "@spindle/core";

function slowQuery(signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve("rows"), 10_000);
    signal.addEventListener("abort", () => {
      clearTimeout(timer); // the query stops: its future was dropped
      reject(signal.reason);
    });
  });
}
function* handler(): Coroutine<string> {
  return yield* fromPromise(slowQuery);
}
const controller = new AbortController();
const answer = toPromise(abortable(handler(), controller.signal));
controller.abort(new Error("client went away"));
await answer.catch((e) => console.log((e as Error).message)); // client went away
