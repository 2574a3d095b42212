import { test } from "node:test";
import { assertNoPublicConstructor } from "@spindle/test-support";
import * as sync from "./mod.ts";

/** The sync classes users get from a function or a method only. */
const INTERNAL = [
  "BroadcastReceiver",
  "BroadcastSender",
  "MutexGuard",
  "Notified",
  "OneshotReceiver",
  "OneshotSender",
  "Receiver",
  "RwLockReadGuard",
  "RwLockUpgradableReadGuard",
  "RwLockWriteGuard",
  "SemaphorePermit",
  "Sender",
  "SendPermit",
  "SharedReceiver",
  "SharedSemaphorePermit",
  "SharedSender",
  "UnboundedSender",
  "WatchReceiver",
  "WatchSender",
  "WeakSender",
] as const;

test("a JavaScript new of a class whose constructor sync keeps is INVALID_ARGUMENT naming the class", () => {
  assertNoPublicConstructor(Object.fromEntries(INTERNAL.map((name) => [name, sync[name]])));
});
