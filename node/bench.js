// Throughput of batched packing, Node (jco) against wasmtime (`rio load`), on the same rows
// and the same S3 server: `npm run bench [-- FILE.ndjson]`. Without a file it generates ~40 MB.
// Each figure is the best of two runs; startup (compiling the component) is timed apart.

import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RedshiftIo } from './src/index.js';
import { findRio } from './scripts/paths.js';
import { startS3 } from './test/s3.js';

const BATCH = 1 << 20;
const rio = findRio(['release', 'debug']);
const s3 = await startS3(['bench']);
try {
  const file = process.argv[2] ?? join(s3.dir, 'rows.ndjson');
  if (!process.argv[2]) execFileSync(rio, ['sample', '--rows', '170000', '--output', file]);
  const rows = readFileSync(file);
  const mb = rows.length / 1e6;
  console.log(`${mb.toFixed(1)} MB of rows; wasmtime: ${rio}`);

  // About 1 MB at a time, cut after a newline, as `rio load` reads its input.
  const batches = [];
  for (let start = 0; start < rows.length; ) {
    const newline = rows.indexOf(10, Math.min(start + BATCH, rows.length - 1));
    const end = newline < 0 ? rows.length : newline + 1;
    batches.push(rows.subarray(start, end));
    start = end;
  }

  let run = 0;
  /** Seconds to open a pipe, pack `input`, seal and write a manifest. */
  const node = (input, level) => {
    const started = performance.now();
    const pipe = RedshiftIo.open({
      destination: { schema: 'bench', table: 'events', columns: [] },
      bucket: 'bench',
      endpoint: s3.endpoint,
      credentials: s3.credentials,
      keyPrefix: `node${++run}`,
      compressionLevel: level,
    });
    for (const batch of input) pipe.packLines(batch);
    pipe.seal();
    pipe.createAndUploadCustomManifest('bench.manifest');
    pipe.closeWithoutSending();
    return (performance.now() - started) / 1000;
  };
  /** The same through `rio load`, as its summary times it (startup included). */
  const wasmtime = (path, level) => {
    const summary = execFileSync(rio, [
      'load', path, '--schema', 'bench', '--table', 'events', '--bucket', 'bench', '--endpoint', s3.endpoint,
      '--prefix', `wasmtime${++run}`, '--manifest', 'bench.manifest', '--level', String(level), '--quiet', '--json',
    ], { env: { ...process.env, AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey, AWS_REGION: 'us-east-1' } });
    return JSON.parse(summary).elapsed_seconds;
  };
  const best = (f) => Math.min(f(), f());

  // Startup: a one-row load. Node compiles the core modules once per process, then reuses them.
  const one = join(s3.dir, 'one.ndjson');
  writeFileSync(one, rows.subarray(0, rows.indexOf(10) + 1));
  const nodeFirst = node([readFileSync(one)], 6);
  const nodeStart = best(() => node([readFileSync(one)], 6));
  const wasmtimeStart = best(() => wasmtime(one, 6));
  console.log(`startup: node ${(nodeFirst * 1000).toFixed(0)} ms first pipe, ${(nodeStart * 1000).toFixed(0)} ms after; wasmtime ${(wasmtimeStart * 1000).toFixed(0)} ms per run`);

  console.log('level  node MB/s  wasmtime MB/s  (without startup: node, wasmtime)');
  for (const level of [1, 6]) {
    const n = best(() => node(batches, level));
    const w = best(() => wasmtime(file, level));
    const rate = (seconds) => (mb / seconds).toFixed(1);
    console.log(`${String(level).padStart(5)}  ${rate(n).padStart(9)}  ${rate(w).padStart(13)}  (${rate(n - nodeStart)}, ${rate(w - wasmtimeStart)})`);
  }
} finally {
  s3.stop();
}
