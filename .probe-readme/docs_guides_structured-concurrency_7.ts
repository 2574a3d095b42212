// docs/guides/structured-concurrency.md:333
import { chunks, filter, fromAsyncIterable, map, take, toAsyncIterable } from "@spindle/core";

async function* readings() {
  for (let i = 1; i <= 100; i++) yield i;
}
const batches: number[][] = [];
const pipeline = chunks(take(filter(map(fromAsyncIterable(readings()), (n) => n * 10), (n) => n % 20 === 0), 5), 2);
for await (const batch of toAsyncIterable(pipeline)) batches.push(batch);
console.log(batches); // [ [ 20, 40 ], [ 60, 80 ], [ 100 ] ]
