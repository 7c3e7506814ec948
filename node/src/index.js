// rio's pipe component, transpiled by jco, behind an idiomatic API. Every pipe is a component
// instance of its own whose HTTP may reach its S3 endpoint and job endpoint only.

import { readFileSync } from 'node:fs';
import { instantiate } from '../generated/rio.js';
import { InvalidOptions, SendingInProgress, translate } from './errors.js';
import { sandbox } from './sandbox.js';

export {
  RioError, InvalidOptions, InvalidConfig, InvalidJson, InvalidRow, RowTooLarge, PipeSealed, PipeClosed, SendingInProgress,
  NotSealed, NoJobEndpoint, S3Error, JobUnreachable, JobRejected, BatchError,
} from './errors.js';

// Compiled once per process; instantiating them again is cheap.
const modules = new Map();
function coreModule(name) {
  if (!modules.has(name)) {
    modules.set(name, new WebAssembly.Module(readFileSync(new URL(`../generated/${name}`, import.meta.url))));
  }
  return modules.get(name);
}

function instance(allow, limits) {
  const { imports, gate } = sandbox(allow, limits);
  return { exports: instantiate(coreModule, imports).pipe, gate };
}

const defaultLimits = { responseTimeoutMs: 120_000, idleTimeoutMs: 30_000 };

// The free functions run in an instance that may reach nothing.
let free;
function offline(f) {
  free ??= instance([], defaultLimits).exports;
  try {
    return f(free);
  } catch (e) {
    throw translate(e);
  }
}

const env = (name) => process.env[name] || undefined;
const encoder = new TextEncoder();
function bytes(value) {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  return encoder.encode(typeof value === 'string' ? value : JSON.stringify(value));
}
// u64 fields arrive as BigInt; the counts they hold fit a Number.
const numbers = (record) =>
  Object.fromEntries(Object.entries(record).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v]));

function toWitDestination(d) {
  return {
    schema: d.schema,
    table: d.table,
    columns: (d.columns ?? []).map((c) => ({
      name: c.name,
      columnType: c.type,
      sortOrd: c.sortOrd ?? 0,
      distKey: c.distKey ?? false,
      defaultVal: c.defaultVal ?? undefined,
      notNull: c.notNull ?? false,
      primaryKey: c.primaryKey ?? false,
    })),
    dataTimestampColumn: d.dataTimestampColumn ?? undefined,
  };
}

function fromWitDestination(d) {
  return {
    ...d,
    columns: d.columns.map(({ name, columnType, defaultVal, ...c }) => ({
      name,
      type: columnType,
      ...c,
      defaultVal: defaultVal ?? undefined,
    })),
    dataTimestampColumn: d.dataTimestampColumn ?? undefined,
  };
}

function toWitRetry(retry) {
  if (retry == null) return undefined;
  const { maxAttempts, baseDelayMs, maxDelayMs } = retry;
  if (maxAttempts == null || baseDelayMs == null || maxDelayMs == null) {
    throw new InvalidOptions('retry: maxAttempts, baseDelayMs and maxDelayMs are all required');
  }
  return { maxAttempts, baseDelayMs, maxDelayMs };
}

/**
 * The options as the component takes them, with what the environment gives filled in. What is
 * still missing (region, endpoint, retry policy) gets the component's defaults.
 */
function toWitOptions(o) {
  if (!o?.destination) throw new InvalidOptions('destination is required');
  if (!o.bucket) throw new InvalidOptions('bucket is required');
  const credentials = o.credentials ?? {
    accessKeyId: env('AWS_ACCESS_KEY_ID') ?? '',
    secretAccessKey: env('AWS_SECRET_ACCESS_KEY') ?? '',
    sessionToken: env('AWS_SESSION_TOKEN'),
  };
  return {
    destination: toWitDestination(o.destination),
    s3Bucket: o.bucket,
    credentials: {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      sessionToken: credentials.sessionToken ?? undefined,
    },
    region: o.region ?? env('AWS_REGION') ?? env('AWS_DEFAULT_REGION'),
    endpoint: o.endpoint ?? env('AWS_ENDPOINT_URL_S3') ?? env('AWS_ENDPOINT_URL'),
    addressing: o.addressing ?? 'auto',
    keyPrefix: o.keyPrefix ?? undefined,
    layout: o.layout ?? 'flat',
    bufferSize: o.bufferSize == null ? undefined : BigInt(o.bufferSize),
    compressionLevel: o.compressionLevel ?? undefined,
    jobEndpoint: o.jobEndpoint ?? undefined,
    jobFormat: o.jobFormat ?? 'argv',
    truncate: o.truncate ?? false,
    force: o.force ?? false,
    retry: toWitRetry(o.retry),
    rejects: o.rejects ?? 'fail',
    refuseUnknownKeys: o.refuseUnknownKeys ?? false,
  };
}

/** A pipe of JSON rows into S3 and on to Redshift. Calls are synchronous. */
export class RedshiftIo {
  #pipe;
  #gate;
  #sending = false;

  constructor(pipe, gate) {
    this.#pipe = pipe;
    this.#gate = gate;
  }

  /** Opens a pipe in a new sandbox that may reach the component's `authorities` only (or `options.allow`). */
  static open(options) {
    const wit = toWitOptions(options);
    const allow = options.allow ?? offline((free) => free.authorities(wit));
    const { exports, gate } = instance(allow, { ...defaultLimits, ...options.limits });
    try {
      return new RedshiftIo(exports.RedshiftIo.open(wit), gate);
    } catch (e) {
      throw translate(e);
    }
  }

  /** Buffers one row: an object (serialized as JSON), or its JSON text as a string or bytes. */
  pack(row) {
    this.#call((p) => p.pack(bytes(row)));
  }

  /** Packs each non-blank line of newline-delimited rows; returns how many it packed. */
  packLines(rows) {
    return Number(this.#call((p) => p.packLines(bytes(rows))));
  }

  seal() {
    this.#call((p) => p.seal());
  }

  unseal() {
    this.#call((p) => p.unseal());
  }

  /**
   * Seals, validates, writes the manifest and table config, posts the job, starts a new run.
   * Returns the manifest's key, or undefined when the run had no rows to send.
   */
  send() {
    return this.#whileSending((p) => p.send()) ?? undefined;
  }

  close() {
    this.#whileSending((p) => p.close());
  }

  closeWithoutSending() {
    this.#call((p) => p.closeWithoutSending());
  }

  /** Writes a manifest of every file of this run at `key` under the bucket and key prefix. */
  createAndUploadCustomManifest(key) {
    this.#call((p) => p.createAndUploadCustomManifest(key));
  }

  /** Writes the run's manifest where `send` puts it; returns its key. */
  createAndUploadManifest() {
    return this.#call((p) => p.createAndUploadManifest());
  }

  reset() {
    this.#call((p) => p.reset());
  }

  get sendingInProgress() {
    return this.#sending;
  }

  /** The rejects objects of this run that S3 has: rows refused with `rejects: 'keep'`. */
  rejects() {
    return this.#call((p) => p.rejects()).map(numbers);
  }

  files() {
    return this.#call((p) => p.files()).map(numbers);
  }

  stats() {
    return numbers(this.#call((p) => p.stats()));
  }

  #call(f) {
    if (this.#sending) throw new SendingInProgress();
    this.#gate.refused = null;
    try {
      return f(this.#pipe);
    } catch (e) {
      throw this.#explain(e);
    }
  }

  #whileSending(f) {
    if (this.#sending) throw new SendingInProgress();
    this.#sending = true;
    try {
      this.#gate.refused = null;
      return f(this.#pipe);
    } catch (e) {
      throw this.#explain(e);
    } finally {
      this.#sending = false;
    }
  }

  /** Names what the sandbox refused: the component itself only learns that it was refused. */
  #explain(e) {
    const refused = this.#gate.refused;
    const failure = e?.payload?.error ?? e?.payload;
    if (refused && (failure?.tag === 's3' || failure?.tag === 'job-unreachable')) {
      const why = `${refused} is not on the sandbox's allow-list (${this.#gate.allow.join(', ')})`;
      if (failure.tag === 's3') failure.val.message = why;
      else failure.val = why;
    }
    return translate(e);
  }
}

/** Checks the rules `send` checks: Redshift identifiers, unique names, one distkey, sort ordinals 1..k. */
export function validate(config) {
  offline((free) => free.validate(toWitDestination(config)));
}

/** Reads the worker's YAML table config (or the same as JSON) into a destination. */
export function parseTableConfig(text) {
  return fromWitDestination(offline((free) => free.parseTableConfig(text)));
}
