// The tests' mock s3-to-redshift worker, `rio-job-endpoint` (tests/bin/job_endpoint.rs), the one
// the Rust tests use. A process of its own: pipe calls block this thread while their HTTP runs.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { jobEndpointBin } from '../scripts/paths.js';

/** `{status, body}` as the binary's ANSWER argument; no status: never answers. */
const argument = ({ status, body }) => (status == null ? 'hang' : body == null ? `${status}` : `${status}:${body}`);

/** Answers each job with the next of `answers`, the last one repeating (none: 200). */
export async function startJobEndpoint(...answers) {
  if (!existsSync(jobEndpointBin)) {
    throw new Error(`no rio-job-endpoint at ${jobEndpointBin}: build it (cargo test --workspace --no-run) or set RIO_JOB_ENDPOINT_BIN`);
  }
  const child = spawn(jobEndpointBin, answers.map(argument), { stdio: ['pipe', 'pipe', 'inherit'] });
  const requests = [];
  const url = await new Promise((resolve, reject) => {
    // The first line says where it listens; every other line is a request ({method, url, contentType, body}).
    createInterface({ input: child.stdout }).on('line', (line) => {
      const printed = JSON.parse(line);
      if ('method' in printed) requests.push(printed);
      else resolve(printed.url);
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`rio-job-endpoint exited with ${code} before listening`)));
  });
  return {
    url,
    /** The requests received so far: their lines may still wait in the pipe, so read until none comes. */
    async requests() {
      let seen;
      do {
        seen = requests.length;
        await sleep(50);
      } while (requests.length > seen);
      return requests;
    },
    /** Closing its standard input stops it. */
    stop: () => child.stdin.end(),
  };
}
