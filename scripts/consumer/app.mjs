// The consumer check's program, as plain JavaScript (scripts/check-consumer.ts): all five packages as a user installs
// them. Prints the lines the check expects, then exits by itself.
import { LocalExecutor, next, STREAM_END } from "@spindle/core";
import { ElapsedError, Instant, TimerReactor } from "@spindle/timer";
import { UdpSocket } from "@spindle/reactor-net";
import { mpsc } from "@spindle/sync";
import { Runtime } from "@spindle/workstealing";

const reactor = await TimerReactor.start({ driver: "thread" });
const timer = reactor.timer;
const server = await UdpSocket.bind("127.0.0.1:0");
const client = await UdpSocket.bind("127.0.0.1:0");
const runtime = await Runtime.start(new URL(/* webpackIgnore: true */ "./jobs.mjs", import.meta.url), {
  workers: 2,
  timer,
});

function* main() {
  const lines = [];
  const start = Instant.now();
  yield* timer.sleep(20);
  lines.push(`sleep ${start.elapsed() >= 20 ? "ok" : "early"}`);

  yield* client.sendTo(new TextEncoder().encode("ping"), server.localAddr());
  const request = yield* server.recvFrom();
  yield* server.sendTo(request.data, request.from);
  const reply = yield* client.recvFrom();
  lines.push(`echo ${new TextDecoder().decode(reply.data)}`);

  try {
    yield* timer.timeout(client.recvFrom(), 30);
    lines.push("timeout missed");
  } catch (error) {
    lines.push(`timeout ${error instanceof ElapsedError ? "elapsed" : String(error)}`);
  }

  const [tx, rx] = mpsc.bounded(1);
  executor.spawn(function* () {
    for (const n of [1, 2, 3]) yield* tx.send(n);
    tx.drop();
  }());
  let sum = 0;
  for (let n; (n = yield* next(rx)) !== STREAM_END;) sum += n;
  lines.push(`channel ${sum}`);
  return lines;
}

const executor = new LocalExecutor();
const lines = executor.spawn(main());
await executor.run();
const output = await lines;
output.push(`fib ${await runtime.spawn("fib", 20)}`);
output.push(`naps ${await runtime.spawn("naps", 4, 10)}`);
await runtime.shutdown();
server.close();
client.close();
reactor.close();
console.log(output.join("\n"));
