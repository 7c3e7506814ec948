// The HTTP ingest endpoint: the composed component (ingest/ plugged with the pipe by `wac plug`,
// built by `make ingest`) served by a runtime nobody here wrote, `jco serve` by default or
// `wasmtime serve -S cli` with RIO_INGEST_RUNTIME=wasmtime (`make serve-test-wasmtime`). Rows
// go in with plain HTTP; what lands is read back from `rio serve-s3` with the AWS SDK.

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { componentPath } from '../scripts/paths.js';
import { startJobEndpoint } from './job-endpoint.js';
import { startS3 } from './s3.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const targets = [process.env.CARGO_TARGET_DIR, join(repo, 'target')].filter(Boolean);

/** RIO_INGEST_COMPONENT, else the one `make ingest` builds. */
const component =
  process.env.RIO_INGEST_COMPONENT ??
  targets.map((t) => join(t, 'ingest/rio_ingest.wasm')).find((p) => existsSync(p)) ??
  join(targets[0], 'ingest/rio_ingest.wasm');
const runtime = process.env.RIO_INGEST_RUNTIME ?? 'jco';

/** The runtime's command line for serving the component on `port` with `env`. */
function commandLine(port, env) {
  if (runtime === 'jco') {
    const jco = fileURLToPath(new URL('../node_modules/.bin/jco', import.meta.url));
    if (!existsSync(jco)) throw new Error(`no jco at ${jco}: run npm ci in node/`);
    // jco serve hands the component its own process environment (no --sandbox).
    return { command: jco, args: ['serve', '--host', '127.0.0.1', '--port', `${port}`, component], env };
  }
  if (runtime === 'wasmtime') {
    const wasmtime = process.env.RIO_WASMTIME ?? findOnPath('wasmtime');
    if (!wasmtime) throw new Error('no wasmtime on PATH: run `make serve-test-wasmtime`, or set RIO_WASMTIME');
    // -S cli: the wasi:cli imports (the environment among them) besides the proxy world.
    const envArgs = Object.entries(env).flatMap(([k, v]) => ['--env', `${k}=${v}`]);
    return { command: wasmtime, args: ['serve', '-S', 'cli', '--addr', `127.0.0.1:${port}`, ...envArgs, component], env: {} };
  }
  throw new Error(`RIO_INGEST_RUNTIME=${runtime}: expected jco or wasmtime`);
}

function findOnPath(name) {
  const dirs = (process.env.PATH ?? '').split(delimiter).concat(join(process.env.HOME ?? '/root', '.cargo/bin'));
  return dirs.map((d) => join(d, name)).find((p) => existsSync(p));
}

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const canConnect = (port) =>
  new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

const servers = [];
process.on('exit', () => servers.forEach((s) => s.stop()));

/** Serves the component with this configuration; resolves once it takes connections. */
async function serve(config) {
  if (!existsSync(component)) {
    throw new Error(`no ingest component at ${component}: run \`make ingest\` at the repository root, or set RIO_INGEST_COMPONENT`);
  }
  const port = await freePort();
  const { command, args, env } = commandLine(port, config);
  const base = { PATH: process.env.PATH, ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}) };
  // A process group of its own: jco serve runs the server in a child node process.
  const child = spawn(command, args, { env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let said = '';
  child.stdout.on('data', (c) => (said += c));
  child.stderr.on('data', (c) => (said += c));
  let exited = null;
  child.on('exit', (code, signal) => (exited = signal ?? code));
  const server = {
    url: `http://127.0.0.1:${port}`,
    said: () => said,
    stop() {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {}
    },
  };
  servers.push(server);
  const deadline = Date.now() + 120_000;
  while (!(await canConnect(port))) {
    if (exited !== null) throw new Error(`${runtime} exited (${exited}) before serving:\n${said}`);
    if (Date.now() > deadline) throw new Error(`${runtime} did not serve on ${port} within 120 s:\n${said}`);
    await sleep(100);
  }
  return server;
}

const BUCKET = 'rio-ingest';
const EVENTS = readFileSync(join(repo, 'cli/examples/events.yml'), 'utf8');
const ORDERS = JSON.stringify({
  orders: { dest: 'orders', columns: [{ dest: 'id', type: 'bigint', sortord: 1 }, { dest: 'note', type: 'text' }], meta: { schema: 'shop' } },
});

let s3;
let main;
let wrongSecret;
let job;
let worker;
const SESSION_TOKEN = 'token-that-must-stay-secret-0123456789';

before(async () => {
  s3 = await startS3([BUCKET]);
  const config = (extra) => ({
    RIO_BUCKET: BUCKET,
    AWS_ENDPOINT_URL: s3.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
    RIO_TABLE_CONFIG: EVENTS,
    RIO_TABLE_CONFIG_ORDERS: ORDERS,
    ...extra,
  });
  worker = await startJobEndpoint();
  [main, wrongSecret, job] = await Promise.all([
    // A small buffer: a few hundred KB of rows make several files.
    serve(config({ RIO_BUFFER_SIZE: '262144', RIO_KEY_PREFIX: 'main' })),
    serve(config({ AWS_SECRET_ACCESS_KEY: 'wrong-secret-that-must-not-be-echoed', AWS_SESSION_TOKEN: SESSION_TOKEN, RIO_KEY_PREFIX: 'wrong' })),
    serve(config({ RIO_JOB_ENDPOINT: worker.url, RIO_JOB_FORMAT: 'json', RIO_KEY_PREFIX: 'job' })),
  ]);
});

after(() => {
  servers.forEach((s) => s.stop());
  worker?.stop();
  s3?.stop();
});

/** POSTs `body` and returns `{status, json, text}`. */
async function post(server, path, body, headers = {}) {
  let answer;
  try {
    answer = await fetch(`${server.url}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/x-ndjson', ...headers } });
  } catch (e) {
    assert.fail(`POST ${path} failed: ${e.cause ?? e}\nthe runtime said:\n${server.said()}`);
  }
  const text = await answer.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    assert.fail(`not a JSON answer (${answer.status}): ${text}\nthe runtime said:\n${server.said()}`);
  }
  return { status: answer.status, json, text, headers: answer.headers };
}

const event = (i, tag = 'r') => ({
  time: '2026-11-25T17:00:00Z',
  event_id: `${tag}-${i}`,
  user_id: i,
  kind: i % 3 ? 'view' : 'click',
  page: `/p/${i % 97}`,
  amount: i / 4,
  quantity: i % 7,
  premium: i % 2 === 0,
  country: 'NZ',
  agent: 'Mozilla/5.0 (X11; Linux x86_64) rio-ingest-test',
});
const lines = (n, tag, from = 0) => Array.from({ length: n }, (_, i) => JSON.stringify(event(from + i, tag)));
const ndjson = (list) => list.map((l) => `${l}\n`).join('');

/** Every data file of the summary, gunzipped and joined, after checking the manifest byte for byte. */
async function landed(summary) {
  assert.equal(summary.files, summary.keys.length);
  const objects = await Promise.all(summary.keys.map((key) => s3.get(BUCKET, key)));
  const entries = summary.keys.map(
    (key, i) => `{"url":"s3://${BUCKET}/${key}","mandatory":true,"meta":{"content_length":${objects[i].length}}}`,
  );
  const manifest = (await s3.get(BUCKET, summary.manifest)).toString();
  assert.equal(manifest, `{"entries":[${entries.join(',')}]}`);
  return Buffer.concat(objects.map((o) => gunzipSync(o))).toString();
}

const manifests = async (prefix) => (await s3.keys(BUCKET, prefix)).filter((k) => k.endsWith('.manifest'));

test('rows posted over HTTP land in S3 as gzip files and a manifest, byte for byte', async () => {
  const rows = lines(1000, 'plain');
  const { status, json } = await post(main, '/analytics/events', ndjson(rows));
  assert.equal(status, 200, JSON.stringify(json));
  assert.equal(json.rows, 1000);
  assert.equal(json.schema, 'analytics');
  assert.equal(json.table, 'events');
  assert.equal(json.bucket, BUCKET);
  assert.match(json.run_id, /^\d+-[0-9a-f]{8}$/);
  assert.equal(json.manifest, `main/analytics_events_${json.run_id}.manifest`);
  for (const [n, key] of json.keys.entries()) assert.equal(key, `main/analytics_events_${json.run_id}_${n}.json.gz`);
  assert.equal(json.sent, false);
  assert.equal(await landed(json), ndjson(rows));
});

test('a gzip body (Content-Encoding: gzip, several gzip members) lands as the same rows', async () => {
  const rows = lines(3000, 'gzip');
  const half = ndjson(rows.slice(0, 1000));
  // Two gzip members back to back, as `cat a.gz b.gz` makes; the last line has no newline.
  const body = Buffer.concat([gzipSync(half), gzipSync(ndjson(rows.slice(1000)).trimEnd())]);
  const { status, json } = await post(main, '/analytics/events', body, { 'content-encoding': 'gzip' });
  assert.equal(status, 200, JSON.stringify(json));
  assert.equal(json.rows, 3000);
  assert.equal(await landed(json), ndjson(rows));
});

test('a body larger than the buffer is packed in batches into several files, every row once', async () => {
  // About 5 MB: several 1 MiB batches and about 20 files of 256 KiB; blank and CRLF lines too.
  const rows = lines(20_000, 'big');
  const body = rows.map((r, i) => (i % 1000 === 0 ? `\n${r}\r\n` : `${r}\n`)).join('');
  const { status, json } = await post(main, '/analytics/events', body);
  assert.equal(status, 200, JSON.stringify(json));
  assert.equal(json.rows, 20_000);
  assert.ok(json.files >= 10, `${json.files} files`);
  const expected = rows.map((r, i) => (i % 1000 === 0 ? `${r}\r\n` : `${r}\n`)).join('');
  assert.equal(await landed(json), expected);
});

test('a bad row answers 400 with its line in the whole body and seals the rows before it, without a manifest', async () => {
  const before = await manifests('main/');
  // The bad line comes after several batches, so its number counts lines across them.
  const rows = lines(12_000, 'bad');
  rows[10_000] = JSON.stringify({ ...event(10_000, 'bad'), user_id: 'not a number' });
  const { status, json } = await post(main, '/analytics/events', ndjson(rows));
  assert.equal(status, 400, JSON.stringify(json));
  assert.equal(json.error, 'invalid-row');
  assert.equal(json.line, 10_001);
  assert.equal(json.column, 'user_id');
  assert.match(json.reason, /^column user_id: /);
  assert.equal(json.accepted, 10_000);
  assert.equal(json.manifest, null);
  const objects = await Promise.all(json.keys.map((key) => s3.get(BUCKET, key)));
  assert.equal(Buffer.concat(objects.map((o) => gunzipSync(o))).toString(), ndjson(rows.slice(0, 10_000)));
  assert.deepEqual(await manifests('main/'), before);

  const broken = await post(main, '/analytics/events', `${rows[0]}\n{"time": oops}\n`);
  assert.equal(broken.status, 400);
  assert.equal(broken.json.error, 'invalid-json');
  assert.equal(broken.json.line, 2);
  assert.equal(broken.json.accepted, 1);
});

test('a line over 4 MiB answers 413 without being held whole', async () => {
  const rows = lines(10, 'huge');
  const huge = JSON.stringify({ ...event(10, 'huge'), agent: 'x'.repeat(5 << 20) });
  const { status, json } = await post(main, '/analytics/events', `${ndjson(rows)}${huge}\n${rows[0]}\n`);
  assert.equal(status, 413, JSON.stringify(json));
  assert.equal(json.error, 'row-too-large');
  assert.equal(json.line, 11);
  assert.equal(json.accepted, 10);
  assert.equal(json.manifest, null);
});

test('S3 refusing the signature answers 502 with its code and no secret', async () => {
  const { status, json, text } = await post(wrongSecret, '/analytics/events', ndjson(lines(10, 'denied')));
  assert.equal(status, 502, text);
  assert.equal(json.error, 's3');
  assert.equal(json.s3_status, 403);
  assert.equal(json.code, 'SignatureDoesNotMatch');
  assert.equal(json.accepted, 10);
  for (const secret of ['wrong-secret-that-must-not-be-echoed', SESSION_TOKEN, s3.credentials.secretAccessKey]) {
    assert.ok(!text.includes(secret), `the answer holds a secret: ${text}`);
  }
  assert.deepEqual(await s3.keys(BUCKET, 'wrong/'), []);
});

test('concurrent requests are each their own run, and every row lands once', async () => {
  const before = await manifests('main/analytics_events_');
  const bodies = Array.from({ length: 8 }, (_, n) => lines(2000, `c${n}`));
  const answers = await Promise.all(
    bodies.map((rows, n) =>
      n % 2 ? post(main, '/analytics/events', gzipSync(ndjson(rows)), { 'content-encoding': 'gzip' }) : post(main, '/analytics/events', ndjson(rows)),
    ),
  );
  const runs = new Set();
  for (const [n, { status, json }] of answers.entries()) {
    assert.equal(status, 200, JSON.stringify(json));
    assert.equal(json.rows, 2000);
    runs.add(json.run_id);
    assert.equal(await landed(json), ndjson(bodies[n]));
  }
  assert.equal(runs.size, 8);
  const added = (await manifests('main/analytics_events_')).filter((k) => !before.includes(k));
  assert.equal(added.length, 8);
});

test('each table config is its own endpoint; other tables answer 404, other methods 405', async () => {
  const orders = [{ id: 1, note: 'first' }, { id: 2, note: 'second' }].map((o) => JSON.stringify(o));
  const { status, json } = await post(main, '/shop/orders', ndjson(orders));
  assert.equal(status, 200, JSON.stringify(json));
  assert.equal(json.manifest, `main/shop_orders_${json.run_id}.manifest`);
  assert.equal(await landed(json), ndjson(orders));

  const unknown = await post(main, '/analytics/nope', ndjson(orders));
  assert.equal(unknown.status, 404);
  assert.equal(unknown.json.error, 'not-found');
  assert.equal((await post(main, '/analytics', '')).status, 404);

  const get = await fetch(`${main.url}/analytics/events`);
  assert.equal(get.status, 405);
  assert.equal(get.headers.get('allow'), 'POST');
  assert.equal((await get.json()).error, 'method-not-allowed');

  const brotli = await post(main, '/analytics/events', 'x', { 'content-encoding': 'br' });
  assert.equal(brotli.status, 415);
  const corrupt = await post(main, '/analytics/events', Buffer.from('not gzip at all'), { 'content-encoding': 'gzip' });
  assert.equal(corrupt.status, 400);
  assert.equal(corrupt.json.error, 'unreadable-body');
});

test('with a job endpoint, the rows are sent to the worker as well', async () => {
  const rows = lines(500, 'job');
  const { status, json } = await post(job, '/analytics/events', ndjson(rows));
  assert.equal(status, 200, JSON.stringify(json));
  assert.equal(json.sent, true);
  assert.equal(await landed(json), ndjson(rows));
  const [request] = await worker.requests();
  assert.equal(request.contentType, 'application/json');
  const posted = JSON.parse(request.body);
  assert.equal(posted.bucket, BUCKET);
  assert.equal(posted.schema, 'analytics');
  assert.equal(posted.tables, 'events');
  assert.equal(posted.date, json.data_date);
  // send wrote the default manifest and the table config beside the run's own manifest.
  const keys = await s3.keys(BUCKET, 'job/');
  assert.equal(json.job_manifest, `job/analytics_events_${json.data_date}.manifest`);
  assert.ok(keys.includes(json.job_manifest), keys.join(' '));
  assert.ok(keys.includes(`job/config_analytics_events_${json.data_date}.yml`), keys.join(' '));
});

/** The interfaces a component imports and exports, as `jco wit` (wasm-tools) prints its world. */
function world(path) {
  const jco = fileURLToPath(new URL('../node_modules/.bin/jco', import.meta.url));
  const wit = execFileSync(jco, ['wit', path], { maxBuffer: 1 << 26 }).toString();
  const names = (kind) => [...wit.matchAll(new RegExp(`^  ${kind} ([a-z0-9:/.@-]+);$`, 'gm'))].map((m) => m[1]);
  return { imports: names('import'), exports: names('export') };
}

test('the composed component imports only the proxy world and what the pipe imports', () => {
  if (!existsSync(component)) throw new Error(`no ingest component at ${component}: run \`make ingest\``);
  const composed = world(component);
  const pipe = world(componentPath);
  const unversioned = (name) => name.replace(/@.*$/, '');
  // wasi:http/proxy@0.2.x imports these; it exports wasi:http/incoming-handler.
  const proxy = [
    'wasi:random/random', 'wasi:io/error', 'wasi:io/poll', 'wasi:io/streams', 'wasi:cli/stdout', 'wasi:cli/stderr',
    'wasi:cli/stdin', 'wasi:clocks/monotonic-clock', 'wasi:clocks/wall-clock', 'wasi:http/types', 'wasi:http/outgoing-handler',
  ];
  const allowed = new Set([...proxy, ...pipe.imports.map(unversioned)]);
  const extra = composed.imports.filter((i) => !allowed.has(unversioned(i)));
  assert.deepEqual(extra, [], `imports beyond the proxy world and the pipe's: ${extra}`);
  assert.deepEqual(composed.exports.map(unversioned), ['wasi:http/incoming-handler']);
  assert.ok(!composed.imports.some((i) => /^rio:redshift-io\/pipe/.test(i)), 'the pipe is plugged in, not imported');
  assert.ok(!composed.imports.some((i) => /^wasi:(filesystem|sockets)/.test(i)), `${composed.imports}`);
});
