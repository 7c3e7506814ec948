// A mock s3-to-redshift worker. It runs in a worker thread: pipe calls block the main thread
// while their HTTP runs, so a server on the main thread could never answer them.

import { Worker } from 'node:worker_threads';

const server = `
const { parentPort, workerData } = require('node:worker_threads');
const answers = [...workerData.answers];
require('node:http').createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    parentPort.postMessage({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() });
    const answer = answers.length > 1 ? answers.shift() : answers[0];
    if (answer.status) res.writeHead(answer.status).end(answer.body ?? '');
  });
}).listen(0, '127.0.0.1', function () { parentPort.postMessage({ port: this.address().port }); });
`;

/** Answers each job with the next of `answers` ({status, body}; no status: never answers). */
export async function startJobEndpoint(...answers) {
  const worker = new Worker(server, { eval: true, workerData: { answers } });
  const requests = [];
  const port = await new Promise((resolve) =>
    worker.on('message', (m) => (m.port ? resolve(m.port) : requests.push(m))),
  );
  return {
    url: `http://127.0.0.1:${port}/jobs`,
    /** The requests received so far (after letting the worker's messages in). */
    async requests() {
      await new Promise((resolve) => setTimeout(resolve, 50));
      return requests;
    },
    stop: () => worker.terminate(),
  };
}
