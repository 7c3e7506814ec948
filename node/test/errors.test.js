// Node's error messages against tests/fixtures/error-messages.json, which the Rust host's tests
// read too: both hosts must say the same thing.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { BatchError, SendingInProgress, fromWit } from '../src/errors.js';

const fixture = JSON.parse(readFileSync(new URL('../../tests/fixtures/error-messages.json', import.meta.url)));
assert.ok(fixture.errors.length > 0 && fixture.batches.length > 0, 'the fixture lists errors and batches');

for (const [i, { tag, val, message, rustOnly }] of fixture.errors.entries()) {
  // Reported as skipped rather than left out: the Rust host's own cases have no Node class.
  test(`errors[${i}] ${tag}`, { skip: rustOnly && 'Rust host only' }, () => {
    // The sending state is the hosts' own, not a case of the component's error.
    const error = tag === 'sending-in-progress' ? new SendingInProgress() : fromWit({ tag, val });
    assert.equal(error.message, message);
  });
}

for (const [i, { accepted, line, error, message }] of fixture.batches.entries()) {
  test(`batches[${i}] ${error.tag} at line ${line}`, () => {
    assert.equal(new BatchError({ accepted, line, error }).message, message);
  });
}
