import { test } from "node:test";
import { assertNoPublicConstructor } from "@spindle/test-support";
import {
  BroadcastReceiver,
  BroadcastSender,
  MutexGuard,
  Notified,
  OneshotReceiver,
  OneshotSender,
  Receiver,
  RwLockReadGuard,
  RwLockUpgradableReadGuard,
  RwLockWriteGuard,
  SemaphorePermit,
  Sender,
  SendPermit,
  SharedReceiver,
  SharedSemaphorePermit,
  SharedSender,
  UnboundedSender,
  WatchReceiver,
  WatchSender,
  WeakSender,
} from "./mod.ts";

test("a JavaScript new of a class whose constructor sync keeps is INVALID_ARGUMENT naming the class", () => {
  assertNoPublicConstructor({
    BroadcastReceiver,
    BroadcastSender,
    MutexGuard,
    Notified,
    OneshotReceiver,
    OneshotSender,
    Receiver,
    RwLockReadGuard,
    RwLockUpgradableReadGuard,
    RwLockWriteGuard,
    SemaphorePermit,
    Sender,
    SendPermit,
    SharedReceiver,
    SharedSemaphorePermit,
    SharedSender,
    UnboundedSender,
    WatchReceiver,
    WatchSender,
    WeakSender,
  });
});
