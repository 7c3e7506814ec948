// One component, two runtimes: the same rows loaded by `rio load` (wasmtime) and through Node
// must give the same objects, apart from the run ids in their keys.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { RedshiftIo } from '../src/index.js';
import { rioBin, startS3 } from './s3.js';

const BUCKET = 'cross-runtime';
let s3;
before(async () => (s3 = await startS3([BUCKET])));
after(() => s3.stop());

const runId = /\d+-[0-9a-f]{8}/g;

/** The run's data files in upload order, read back by the SDK, and its manifest. */
async function objects(prefix) {
  const keys = (await s3.keys(BUCKET, `${prefix}/`)).filter((k) => k.endsWith('.json.gz'));
  const index = (key) => Number(key.match(/_(\d+)\.json\.gz$/)[1]);
  keys.sort((a, b) => index(a) - index(b));
  return {
    files: await Promise.all(keys.map((key) => s3.get(BUCKET, key))),
    manifest: (await s3.get(BUCKET, `${prefix}/m1.manifest`)).toString(),
  };
}

for (const level of [1, 6]) {
  test(`wasmtime and Node write the same files and manifest at gzip level ${level}`, async () => {
    const data = join(s3.dir, 'rows.ndjson');
    execFileSync(rioBin, ['sample', '--rows', '8000', '--seed', String(level), '--output', data]);
    const common = ['--schema', 'analytics', '--table', 'events', '--bucket', BUCKET, '--endpoint', s3.endpoint];
    execFileSync(rioBin, [
      'load', data, ...common, '--prefix', `wasmtime${level}`, '--manifest', 'm1.manifest',
      '--buffer-size', '500000', '--level', String(level), '--quiet', '--json',
    ], {
      env: {
        ...process.env,
        AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
        AWS_REGION: 'us-east-1',
      },
    });

    const pipe = RedshiftIo.open({
      destination: { schema: 'analytics', table: 'events', columns: [] },
      bucket: BUCKET,
      endpoint: s3.endpoint,
      credentials: s3.credentials,
      keyPrefix: `node${level}`,
      bufferSize: 500_000,
      compressionLevel: level,
    });
    const rows = readFileSync(data);
    assert.equal(pipe.packLines(rows), 8000);
    pipe.seal();
    pipe.createAndUploadCustomManifest('m1.manifest');
    pipe.closeWithoutSending();

    const wasmtime = await objects(`wasmtime${level}`);
    const node = await objects(`node${level}`);
    assert.ok(node.files.length > 1, 'several files');
    assert.equal(node.files.length, wasmtime.files.length);
    assert.deepEqual(Buffer.concat(node.files.map((f) => gunzipSync(f))), rows);
    node.files.forEach((file, i) => {
      assert.deepEqual(gunzipSync(file), gunzipSync(wasmtime.files[i]), `data file ${i} decompressed`);
      assert.deepEqual(file, wasmtime.files[i], `data file ${i} gzip bytes`);
    });
    const same = (manifest, prefix) => manifest.replaceAll(runId, 'RUN').replaceAll(`/${prefix}/`, '/PREFIX/');
    assert.equal(same(node.manifest, `node${level}`), same(wasmtime.manifest, `wasmtime${level}`));
  });
}
