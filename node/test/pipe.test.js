// The component under Node against `rio serve-s3`, read back with the AWS SDK.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import {
  BatchError, InvalidConfig, InvalidJson, InvalidOptions, InvalidRow, JobRejected, JobUnreachable, NoJobEndpoint, NotSealed,
  PipeClosed, PipeSealed, RedshiftIo, RioError, RowTooLarge, S3Error, parseTableConfig, validate,
} from '../src/index.js';
import { startJobEndpoint } from './job-endpoint.js';
import { startS3 } from './s3.js';

const BUCKET = 'node-pipe';
let s3;
before(async () => (s3 = await startS3([BUCKET])));
after(() => s3.stop());

const destination = {
  schema: 'analytics',
  table: 'events',
  columns: [
    { name: 'time', type: 'timestamp', sortOrd: 1 },
    { name: 'id', type: 'text', distKey: true },
    { name: 'n', type: 'bigint' },
  ],
  dataTimestampColumn: 'time',
};

/** The error `f` throws, checked to be a `type`. */
function thrown(f, type) {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof type, `expected a ${type.name}, got ${e?.stack ?? e}`);
    return e;
  }
  assert.fail(`expected a ${type.name}, nothing was thrown`);
}

let prefixes = 0;
/** A pipe writing under a key prefix of its own. */
function open(options = {}) {
  const keyPrefix = `t${++prefixes}`;
  const pipe = RedshiftIo.open({
    destination, bucket: BUCKET, endpoint: s3.endpoint, credentials: s3.credentials, keyPrefix, ...options,
  });
  return { pipe, keyPrefix };
}

const rows = (n, from = 0) =>
  Array.from({ length: n }, (_, i) => ({ time: '2026-11-25T17:00:00Z', id: `row-${from + i}`, n: from + i }));
const ndjson = (list) => list.map((r) => `${JSON.stringify(r)}\n`).join('');

async function unzipped(files) {
  const parts = await Promise.all(files.map(async (f) => gunzipSync(await s3.get(BUCKET, f.key))));
  return Buffer.concat(parts).toString();
}

test('packed rows land in S3 as gzip files of the rows, each followed by a newline', async () => {
  const { pipe, keyPrefix } = open({ bufferSize: 2000 });
  const first = rows(20);
  for (const row of first) pipe.pack(row);
  pipe.pack(Buffer.from('{"id":"as bytes"}'));
  pipe.pack('{"id":"as text"}');
  const rest = rows(50, 20);
  assert.equal(pipe.packLines(ndjson(rest)), 50);
  pipe.seal();

  const files = pipe.files();
  assert.ok(files.length > 1, 'a 2000-byte buffer splits the rows into several files');
  assert.deepEqual(await s3.keys(BUCKET, keyPrefix), files.map((f) => f.key).sort());
  const expected = `${ndjson(first)}{"id":"as bytes"}\n{"id":"as text"}\n${ndjson(rest)}`;
  assert.equal(await unzipped(files), expected);
  for (const f of files) {
    assert.equal(f.contentLength, (await s3.get(BUCKET, f.key)).length);
    assert.equal(f.url, `s3://${BUCKET}/${f.key}`);
    assert.match(f.key, new RegExp(`^${keyPrefix}/analytics_events_\\d+-[0-9a-f]{8}_\\d+\\.json\\.gz$`));
  }
  const stats = pipe.stats();
  assert.equal(stats.state, 'sealed');
  assert.equal(stats.rows, 72);
  assert.equal(stats.rawBytes, Buffer.byteLength(expected));
  assert.equal(stats.filesUploaded, files.length);
  assert.equal(stats.bufferedRows, 0);
  assert.equal(files.reduce((sum, f) => sum + f.rows, 0), 72);
  pipe.closeWithoutSending();
});

test('manifests list every file of the run', async () => {
  const { pipe, keyPrefix } = open({ bufferSize: 1000 });
  pipe.packLines(ndjson(rows(30)));
  assert.throws(() => pipe.createAndUploadCustomManifest('loads/today.manifest'), NotSealed);
  pipe.seal();
  pipe.createAndUploadCustomManifest('loads/today.manifest');
  const entries = pipe.files().map((f) => ({ url: f.url, mandatory: true, meta: { content_length: f.contentLength } }));
  const manifest = JSON.parse(await s3.get(BUCKET, `${keyPrefix}/loads/today.manifest`));
  assert.deepEqual(manifest, { entries });

  const key = pipe.createAndUploadManifest();
  assert.equal(key, `${keyPrefix}/analytics_events_${pipe.stats().dataDate}.manifest`);
  assert.deepEqual(JSON.parse(await s3.get(BUCKET, key)), { entries });

  // A new run: its manifest holds only its own files.
  pipe.reset();
  pipe.pack(rows(1, 99)[0]);
  pipe.seal();
  pipe.createAndUploadCustomManifest('loads/next.manifest');
  const next = JSON.parse(await s3.get(BUCKET, `${keyPrefix}/loads/next.manifest`));
  assert.equal(next.entries.length, 1);
  assert.equal(next.entries[0].url, pipe.files()[0].url);
  pipe.closeWithoutSending();
});

test('send posts the job to the worker; a rejected job leaves the pipe sealed to send again; close sends', async (t) => {
  const worker = await startJobEndpoint({ status: 503, body: 'busy' }, { status: 202 });
  t.after(() => worker.stop());
  const { pipe, keyPrefix } = open({ jobEndpoint: worker.url, truncate: true });
  pipe.packLines(ndjson(rows(10)));
  const { dataDate, runId } = pipe.stats();

  const rejected = thrown(() => pipe.send(), JobRejected);
  assert.equal(rejected.status, 503);
  assert.equal(rejected.body, 'busy');
  assert.equal(pipe.stats().state, 'sealed');
  const uploaded = await s3.keys(BUCKET, keyPrefix);

  assert.equal(pipe.send(), `${keyPrefix}/analytics_events_${dataDate}.manifest`);
  assert.equal(pipe.sendingInProgress, false);
  assert.deepEqual(await s3.keys(BUCKET, keyPrefix), uploaded, 'sending again uploads nothing twice');
  const jobs = await worker.requests();
  assert.equal(jobs.length, 2);
  assert.equal(jobs[1].method, 'POST');
  assert.equal(jobs[1].url, '/jobs');
  assert.equal(jobs[1].contentType, 'text/plain');
  assert.equal(
    jobs[1].body,
    `--bucket ${BUCKET} --schema analytics --tables events --date ${dataDate} --gzip --truncate`,
  );
  assert.ok(uploaded.includes(`${keyPrefix}/analytics_events_${dataDate}.manifest`));
  const config = (await s3.get(BUCKET, `${keyPrefix}/config_analytics_events_${dataDate}.yml`)).toString();
  assert.match(config, /^events:/m);
  assert.match(config, /datadatecolumn: time/);

  // A new run has begun; close sends it too.
  assert.equal(pipe.stats().state, 'open');
  assert.notEqual(pipe.stats().runId, runId);
  assert.deepEqual(pipe.files(), []);
  pipe.pack(rows(1)[0]);
  pipe.close();
  assert.equal(pipe.stats().state, 'closed');
  assert.equal((await worker.requests()).length, 3);
});

test('a bad row is refused and changes nothing', () => {
  const { pipe } = open();
  pipe.pack(rows(1)[0]);
  const before = pipe.stats();

  const truncated = thrown(() => pipe.pack('{"id": x}'), InvalidJson);
  assert.equal(truncated.offset, 7);
  assert.ok(truncated instanceof RioError && truncated instanceof Error);
  assert.equal(truncated.name, 'InvalidJson');
  assert.throws(() => pipe.pack('[1, 2]'), InvalidJson);
  assert.throws(() => pipe.pack(`{"big":"${'x'.repeat(4 << 20)}"}`), RowTooLarge);
  assert.deepEqual(pipe.stats(), before);

  const batch = thrown(() => pipe.packLines('{"a":1}\n\n{"a":2}\nnot json\n{"a":3}\n'), BatchError);
  assert.equal(batch.accepted, 2);
  assert.equal(batch.line, 4);
  assert.ok(batch.cause instanceof InvalidJson);
  assert.match(batch.message, /^line 4: not a JSON object: .* \(2 rows before it were packed\)$/);
  assert.equal(pipe.stats().bufferedRows, before.bufferedRows + 2, 'the rows before the bad line stay packed');
  pipe.closeWithoutSending();
});

test('a row that does not fit its column is refused naming it, or kept aside in S3', async () => {
  const { pipe } = open();
  const refused = thrown(() => pipe.pack({ time: '2026-11-25T17:00:00Z', id: 'a', n: 1.5 }), InvalidRow);
  assert.equal(refused.column, 'n');
  assert.equal(refused.value, '1.5');
  assert.match(refused.message, /^column n: .* \(value 1\.5\)$/);
  const batch = thrown(() => pipe.packLines(`${ndjson(rows(1))}{"time":"2026-11-25T17:00:00Z","N":3}\n`), BatchError);
  assert.equal(batch.line, 2);
  assert.equal(batch.offset, ndjson(rows(1)).length);
  assert.ok(batch.cause instanceof InvalidRow);
  pipe.closeWithoutSending();

  const kept = open({ rejects: 'keep' });
  assert.equal(kept.pipe.packLines(`${ndjson(rows(2))}{"time":"2026-11-25T17:00:00Z","n":"x"}\n`), 2);
  kept.pipe.seal();
  assert.equal(kept.pipe.stats().rejectedRows, 1);
  const [rejects] = kept.pipe.rejects();
  const line = JSON.parse((await s3.get(BUCKET, rejects.key)).toString());
  assert.equal(line.line_number, 3);
  assert.equal(line.column_name, 'n');
  assert.equal(line.column_type, 'bigint');
  kept.pipe.closeWithoutSending();
});

test('a host off the allow-list is refused with HttpRequestDenied, and no secret is shown', async () => {
  const { pipe, keyPrefix } = open({ allow: ['127.0.0.1:1'] });
  pipe.pack(rows(1)[0]);
  const denied = thrown(() => pipe.seal(), S3Error);
  assert.equal(denied.code, 'HttpRequestDenied');
  assert.equal(denied.status, 0);
  assert.equal(denied.attempts, 1, 'what the sandbox refuses is not retried');
  assert.match(denied.message, /127\.0\.0\.1:\d+ is not on the sandbox's allow-list \(127\.0\.0\.1:1\)/);
  for (const text of [denied.message, denied.stack, JSON.stringify(denied)]) {
    assert.ok(!text.includes(s3.credentials.secretAccessKey));
  }
  assert.deepEqual(await s3.keys(BUCKET, keyPrefix), []);
  assert.equal(pipe.stats().bufferedRows, 1, 'the row waits to be uploaded');
  pipe.closeWithoutSending();
});

test('a job endpoint off the allow-list is refused, naming it', () => {
  const s3Authority = new URL(s3.endpoint).host;
  const { pipe } = open({ jobEndpoint: 'http://127.0.0.1:9/jobs', allow: [s3Authority] });
  pipe.pack(rows(1)[0]);
  const denied = thrown(() => pipe.send(), JobUnreachable);
  assert.equal(denied.reason, `127.0.0.1:9 is not on the sandbox's allow-list (${s3Authority})`);
  pipe.closeWithoutSending();
});

test('a worker that never answers times out', async (t) => {
  const worker = await startJobEndpoint({});
  t.after(() => worker.stop());
  const { pipe } = open({ jobEndpoint: worker.url, limits: { responseTimeoutMs: 300 } });
  pipe.pack(rows(1)[0]);
  assert.throws(() => pipe.send(), JobUnreachable);
  assert.equal(pipe.stats().state, 'sealed');
  pipe.closeWithoutSending();
});

test('calls the state does not allow', () => {
  const { pipe } = open();
  assert.throws(() => pipe.send(), NoJobEndpoint);
  pipe.seal();
  assert.throws(() => pipe.pack({ id: 'x' }), PipeSealed);
  const refused = thrown(() => pipe.packLines('{"id":"x"}\n'), BatchError);
  assert.equal(refused.line, 0);
  assert.ok(refused.cause instanceof PipeSealed);
  pipe.unseal();
  pipe.pack({ id: 'x' });
  pipe.closeWithoutSending();
  assert.throws(() => pipe.pack({ id: 'y' }), PipeClosed);
  assert.throws(() => open({ bucket: 'X' }), InvalidOptions);
  assert.throws(() => RedshiftIo.open({ destination }), InvalidOptions);
});

test('options the component or the Node host refuses', () => {
  // The allow-list comes from the component's `authorities`, which refuses a bad endpoint first.
  assert.match(thrown(() => open({ endpoint: 'ftp://x' }), InvalidOptions).message, /needs http:\/\/ or https:\/\//);
  assert.equal(
    thrown(() => open({ retry: { maxAttempts: 2 } }), InvalidOptions).message,
    'invalid options: retry: maxAttempts, baseDelayMs and maxDelayMs are all required',
  );
  assert.throws(() => open({ retry: { maxAttempts: 0, baseDelayMs: 1, maxDelayMs: 10 } }), InvalidOptions);
  open({ retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 10 } }).pipe.closeWithoutSending();
});

test('credentials and endpoint come from the environment when not given', async (t) => {
  const settings = {
    AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
    AWS_ENDPOINT_URL: s3.endpoint,
    AWS_REGION: 'us-east-1',
  };
  const saved = Object.fromEntries(Object.keys(settings).map((name) => [name, process.env[name]]));
  t.after(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
  Object.assign(process.env, settings);
  const pipe = RedshiftIo.open({ destination, bucket: BUCKET, keyPrefix: 'from-env' });
  pipe.pack(rows(1)[0]);
  pipe.seal();
  assert.deepEqual(await s3.keys(BUCKET, 'from-env/'), [pipe.files()[0].key]);
  pipe.closeWithoutSending();
});

test('validate and parseTableConfig', () => {
  validate(destination);
  assert.throws(() => validate({ ...destination, schema: 'Analytics' }), InvalidConfig);
  const config = parseTableConfig(`events:
  dest: events
  columns:
    - {dest: time, type: timestamp, sortord: 1}
    - {dest: id, type: text, distkey: true}
    - {dest: n, type: bigint}
  meta: {datadatecolumn: time, schema: analytics}
`);
  assert.equal(config.schema, 'analytics');
  assert.equal(config.table, 'events');
  assert.equal(config.dataTimestampColumn, 'time');
  assert.deepEqual(
    config.columns.map((c) => [c.name, c.type, c.sortOrd, c.distKey]),
    [['time', 'timestamp', 1, false], ['id', 'text', 0, true], ['n', 'bigint', 0, false]],
  );
  assert.throws(() => parseTableConfig('events: [1'), InvalidConfig);
});
