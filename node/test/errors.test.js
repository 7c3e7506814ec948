// Node's error messages against tests/fixtures/error-messages.json, which the Rust host's tests
// read too: both hosts must say the same thing.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { BatchError, SendingInProgress, fromWit } from '../src/errors.js';

const fixture = JSON.parse(readFileSync(new URL('../../tests/fixtures/error-messages.json', import.meta.url)));
assert.ok(fixture.errors.length > 0 && fixture.batches.length > 0, 'the fixture lists errors and batches');

for (const [i, { tag, val, message, rustOnly }] of fixture.errors.entries()) {
  test(`errors[${i}] ${tag}`, () => {
    if (rustOnly) {
      // The Rust host's own cases are no case of the component's error, so Node has none.
      assert.throws(() => fromWit({ tag, val }), /unknown error case from the component/);
      return;
    }
    // The sending state is the hosts' own, not a case of the component's error.
    const error = tag === 'sending-in-progress' ? new SendingInProgress() : fromWit({ tag, val });
    assert.equal(error.message, message);
  });
}

for (const [i, { accepted, line, offset, error, message }] of fixture.batches.entries()) {
  test(`batches[${i}] ${error.tag} at line ${line}`, () => {
    const batch = new BatchError({ accepted, line, offset, error });
    assert.equal(batch.message, message);
    assert.equal(batch.offset, offset);
  });
}
