// The embedded S3 server of the `rio` CLI, started for a test file, and an independent client
// (the AWS SDK) to read back what the pipe wrote.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { rioBin } from '../scripts/paths.js';

export { rioBin };

// The pinned SDK supports this Node; its notice about later versions is noise in test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/** Starts `rio serve-s3` with these buckets and fresh credentials; `stop()` ends it. */
export async function startS3(buckets) {
  if (!existsSync(rioBin)) throw new Error(`no rio binary at ${rioBin}: build it (cargo test --workspace --no-run) or set RIO_BIN`);
  const dir = mkdtempSync(join(tmpdir(), 'rio-node-s3-'));
  const credentials = { accessKeyId: `test${randomBytes(6).toString('hex')}`, secretAccessKey: randomBytes(20).toString('hex') };
  const args = ['serve-s3', dir, '--port', '0', '--access-key', credentials.accessKeyId, '--secret-key', credentials.secretAccessKey];
  const server = spawn(rioBin, [...args, ...buckets.flatMap((b) => ['--bucket', b])], { stdio: ['ignore', 'pipe', 'pipe'] });
  process.on('exit', () => server.kill());
  let said = '';
  server.stderr.on('data', (chunk) => (said += chunk));
  const printed = {};
  for await (const line of createInterface({ input: server.stdout })) {
    const [name, value] = line.split('=');
    printed[name] = value;
    if (name === 'AWS_REGION') break;
  }
  if (!printed.AWS_ENDPOINT_URL) throw new Error(`rio serve-s3 did not start: ${said}`);
  const endpoint = printed.AWS_ENDPOINT_URL;
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
  return {
    endpoint,
    credentials,
    dir,
    /** The object's bytes. */
    async get(bucket, key) {
      const answer = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return Buffer.from(await answer.Body.transformToByteArray());
    },
    /** The keys under `prefix` in the bucket, sorted. */
    async keys(bucket, prefix) {
      const answer = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
      return (answer.Contents ?? []).map((o) => o.Key).sort();
    },
    stop() {
      client.destroy();
      server.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
