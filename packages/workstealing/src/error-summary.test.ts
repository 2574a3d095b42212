// The summary of an error kept in a few shared words (a crash report or an outcome with no room in
// the heap): name, code and the start of the message, cut at a character boundary.
import assert from "node:assert/strict";
import { test } from "node:test";
import { SpindleError } from "@spindle/core";
import { readErrorSummary, summaryEnd, summaryWords, writeErrorSummary } from "./error-summary.ts";

/** Writes `error`'s summary into `capacity` words (after one word that must stay untouched) and reads it back. */
function roundTrip(error: unknown, capacity = 14): Error {
  const words = new Int32Array(new SharedArrayBuffer((capacity + 2) * 4));
  words[capacity + 1] = 0x5a5a5a5a;
  writeErrorSummary(words, 1, capacity, error);
  assert.equal(words[0], 0, "nothing written before the summary");
  assert.equal(words[capacity + 1], 0x5a5a5a5a, "nothing written after the summary");
  return readErrorSummary(words, 1);
}

test("a summary keeps the error's name, code and whole message when they fit", () => {
  const read = roundTrip(new SpindleError("DEADLOCK", "lock held"));
  assert.equal(read.name, "SpindleError");
  assert.equal((read as Error & { code?: string }).code, "DEADLOCK");
  assert.equal(read.message, "lock held");
  const plain = roundTrip(new RangeError("a\nb"));
  assert.equal(plain.name, "RangeError");
  assert.equal("code" in plain, false);
  assert.equal(plain.message, "a\nb", "a message's own line breaks are kept");
  assert.equal(roundTrip("thrown text").message, "thrown text");
});

test("a long message is cut at a character boundary and ends in an ellipsis", () => {
  // 3-byte characters: 48 bytes of room hold "TypeError\n\n" (11 bytes) and 12 of them (36 bytes).
  const read = roundTrip(new TypeError("€".repeat(100)));
  assert.equal(read.name, "TypeError");
  assert.equal(read.message, `${"€".repeat(12)}…`);
  // A cause, when given, says why only a summary is known.
  const words = new Int32Array(new SharedArrayBuffer(64));
  writeErrorSummary(words, 0, 16, new Error("x"));
  const cause = new Error("no room");
  assert.equal(readErrorSummary(words, 0, { cause }).cause, cause);
});

test("an error whose name or message cannot be read is summarised as such, without throwing", () => {
  const unreadable = new Error("hidden");
  Object.defineProperty(unreadable, "message", {
    get() {
      throw new Error("no");
    },
  });
  assert.equal(roundTrip(unreadable).message, "(an error that could not be read)");
  // A name cut short is not kept: only a message can be partial.
  const longName = new Error("m");
  longName.name = "N".repeat(100);
  const read = roundTrip(longName);
  assert.equal(read.name, "Error");
  assert.match(read.message, /^N+…$/);
});

test("two summaries share one stretch of words: the second starts where the first ends", () => {
  const first = new RangeError("out of heap");
  const second = new SpindleError("DEADLOCK", "the shared heap's lock was given up");
  const words = new Int32Array(new SharedArrayBuffer(19 * 4));
  const firstWords = summaryWords(first);
  assert.equal(firstWords, 2 + Math.ceil("RangeError\n\nout of heap".length / 4));
  writeErrorSummary(words, 0, firstWords, first);
  const at = summaryEnd(words, 0);
  assert.equal(at, firstWords, "a summary that fits takes the words summaryWords counted");
  writeErrorSummary(words, at, 19 - at, second);
  assert.equal(readErrorSummary(words, 0).message, "out of heap");
  const read = readErrorSummary(words, at) as Error & { code?: string };
  assert.equal(read.code, "DEADLOCK");
  assert.match(read.message, /^the shared .*…$/, "cut to the room left");
});
