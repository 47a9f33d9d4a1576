// sw/shared.js under node's own test runner (TestSharedJS in shared_test.go
// runs it in go test): the text a phone signs for a quiz attempt must be
// the server's byte for byte, for every case of testdata/attempt_messages.json
// (handlers' TestAttemptMessage checks the Go side against the same file).
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const vm = require("node:vm");

// shared.js is a plain script that expects the constants the server puts
// in front of it; run it in a context that has them.
function loadShared() {
  const constants = JSON.parse(process.env.FIELDBOOK_SW_CONSTANTS || "{}");
  const ctx = vm.createContext({ LANG: "en", FB: constants, TEXT: {}, Intl });
  vm.runInContext(fs.readFileSync(path.join(__dirname, "shared.js"), "utf8") +
    "\n;globalThis.exported = { attemptMessage };", ctx);
  return ctx.exported;
}

const cases = JSON.parse(fs.readFileSync(path.join(__dirname, "testdata", "attempt_messages.json"), "utf8"));

test("attempt messages agree with the server", () => {
  const shared = loadShared();
  assert.ok(cases.length >= 5);
  for (const c of cases) {
    const wire = JSON.parse(c.wire);
    // Each case is what the phone sends: JSON.stringify's own output.
    assert.equal(JSON.stringify(wire), c.wire, c.name + ": the wire form is not the phone's");
    assert.equal(shared.attemptMessage(wire), c.message, c.name);
  }
});
