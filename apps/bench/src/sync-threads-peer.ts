// The worker side of sync-threads.bench.ts. Messages from the main thread say what to run:
//   { kind: "shared-flood", tx, count, payload }: sends `count` values (a number i, or `payload`)
//     on the shared channel with `sendBlocking`, then drops its sender (the last: the channel closes).
//   { kind: "port-flood", count, payload }: posts `count` values to the parent with `postMessage`.
//   { kind: "shared-echo", rx, tx }: receives with `recvBlocking` and sends each value back with
//     `sendBlocking`, until the channel ends.
//   { kind: "port-echo" }: posts every message back until a message `null`.
import { parentPort } from "node:worker_threads";
import { STREAM_END } from "@spindle/core";
import { SharedReceiver, type SharedReceiverHandle, SharedSender, type SharedSenderHandle } from "@spindle/sync";

type Command =
  | { kind: "shared-flood"; tx: SharedSenderHandle<unknown>; count: number; payload: string | null }
  | { kind: "port-flood"; count: number; payload: string | null }
  | { kind: "shared-echo"; rx: SharedReceiverHandle<unknown>; tx: SharedSenderHandle<unknown> }
  | { kind: "port-echo" };

const port = parentPort!;
let echoing = false;

port.on("message", (command: Command | unknown) => {
  if (echoing) {
    if (command === null) echoing = false;
    else port.postMessage(command);
    return;
  }
  const c = command as Command;
  switch (c.kind) {
    case "shared-flood": {
      const tx = SharedSender.from(c.tx);
      if (c.payload === null) { for (let i = 0; i < c.count; i++) tx.sendBlocking(i); }
      else for (let i = 0; i < c.count; i++) tx.sendBlocking(c.payload);
      tx.drop();
      break;
    }
    case "port-flood":
      if (c.payload === null) { for (let i = 0; i < c.count; i++) port.postMessage(i); }
      else for (let i = 0; i < c.count; i++) port.postMessage(c.payload);
      port.postMessage("done");
      break;
    case "shared-echo": {
      const rx = SharedReceiver.from(c.rx);
      const tx = SharedSender.from(c.tx);
      for (let v; (v = rx.recvBlocking()) !== STREAM_END;) tx.sendBlocking(v);
      rx.drop();
      tx.drop();
      break;
    }
    case "port-echo":
      echoing = true;
      port.postMessage("ready");
      break;
  }
});
