// rio's pipe component in Node.js: JSON rows into gzip files on S3, manifests, and load jobs.

export type ColumnType = 'boolean' | 'float' | 'int' | 'bigint' | 'date' | 'timestamp' | 'text' | 'longtext';

export interface Column {
  name: string;
  type: ColumnType;
  /** Position in the sort key, from 1; 0 (the default) means not part of it. */
  sortOrd?: number;
  distKey?: boolean;
  defaultVal?: string;
  notNull?: boolean;
  primaryKey?: boolean;
}

export interface DestinationConfig {
  schema: string;
  table: string;
  columns: Column[];
  /** The column that holds when a row's data was created; required by `send`. */
  dataTimestampColumn?: string;
}

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** All three fields are required, else `open` throws InvalidOptions. */
export interface RetryPolicy {
  /** Attempts in all, the first included (1 to 100). */
  maxAttempts: number;
  /** Backoff before retry n is a random delay up to min(maxDelayMs, baseDelayMs × 2^(n-1)). */
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface Limits {
  /** The longest wait for an answer to start, upload included. Default 120,000. */
  responseTimeoutMs?: number;
  /** The longest silence within an answer. Default 30,000. */
  idleTimeoutMs?: number;
}

export interface Options {
  destination: DestinationConfig;
  bucket: string;
  /** Default: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN. */
  credentials?: Credentials;
  /** Default: AWS_REGION, then AWS_DEFAULT_REGION, then the component's default, us-east-1. */
  region?: string;
  /** Default: AWS_ENDPOINT_URL_S3, then AWS_ENDPOINT_URL, then the component's default, https://s3.{region}.amazonaws.com. */
  endpoint?: string;
  /** Default 'path'. */
  /** Default 'auto': virtual-hosted on AWS's own endpoints for names without dots, else path. */
  addressing?: 'auto' | 'path' | 'virtual-hosted';
  /** Prepended to every key, without a leading or trailing `/`. */
  keyPrefix?: string;
  /** Default 'flat'; 'partitioned' puts objects under {schema}/{table}/_data_timestamp_year=YYYY/… */
  layout?: 'flat' | 'partitioned';
  /** Raw (uncompressed) bytes per data file. Default 10,000,000. */
  bufferSize?: number | bigint;
  /** gzip level 0–9. Default 6. */
  compressionLevel?: number;
  /** Where `send` posts the s3-to-redshift job. */
  jobEndpoint?: string;
  /** Default 'argv'. */
  jobFormat?: 'argv' | 'json';
  truncate?: boolean;
  force?: boolean;
  /** Default: the component's policy, 5 attempts, base 100 ms, cap 20 s (docs/s3.md, "Retries"). */
  retry?: RetryPolicy;
  /** A refused row fails the call (`fail`, the default) or goes into the run's rejects objects in S3 (`keep`). */
  rejects?: 'fail' | 'keep';
  /** Refuse keys that match no column (COPY would ignore them). */
  refuseUnknownKeys?: boolean;
  limits?: Limits;
  /**
   * The `host:port` authorities the pipe may reach. Default: the component's `authorities` for
   * these options, the S3 endpoint's (with the bucket in front for virtual-hosted addressing) and
   * the job endpoint's.
   */
  allow?: string[];
}

export interface FileEntry {
  key: string;
  url: string;
  rows: number;
  rawBytes: number;
  /** Size of the gzip object, as the manifest gives it. */
  contentLength: number;
}

export interface Stats {
  state: 'open' | 'sealed' | 'closed';
  runId: string;
  dataDate: string;
  rows: number;
  rawBytes: number;
  gzipBytes: number;
  filesUploaded: number;
  retries: number;
  bufferedRows: number;
  bufferedRawBytes: number;
  /** Rows refused into rejects objects since the pipe opened. */
  rejectedRows: number;
}

/** A row: an object (serialized with JSON.stringify), or the JSON text of one as a string or bytes. */
export type Row = object | string | Uint8Array;

/** A pipe of JSON rows into S3 and on to Redshift. Every call is synchronous. */
export class RedshiftIo {
  private constructor();
  /** Opens a pipe in a new sandbox that may reach the S3 and job endpoints only (or `options.allow`). */
  static open(options: Options): RedshiftIo;
  /** Buffers one row (at most 4 MiB); uploads the current file first when the row would overflow it. */
  pack(row: Row): void;
  /** Packs each non-blank line of newline-delimited rows; returns how many it packed. Throws BatchError. */
  packLines(rows: string | Uint8Array): number;
  /** Uploads what is buffered and refuses rows until `unseal`. */
  seal(): void;
  unseal(): void;
  /** Seals, validates, writes the manifest and table config, posts the job, starts a new run. */
  /** Returns the manifest's key, or undefined when the run had no rows to send. */
  send(): string | undefined;
  /** Sends, then closes for good. */
  close(): void;
  /** Drops whatever is buffered and closes. */
  closeWithoutSending(): void;
  /** Writes a manifest of every file of this run at `key` (under the key prefix); the pipe must be sealed. */
  createAndUploadCustomManifest(key: string): void;
  /** Writes the run's manifest where `send` puts it; returns its key. */
  createAndUploadManifest(): string;
  /** Starts a new run, forgetting this one's files. */
  reset(): void;
  /** True while a `send` or `close` runs. */
  readonly sendingInProgress: boolean;
  /** The data files of the current run, in upload order. */
  files(): FileEntry[];
  /** The rejects objects of this run that S3 has (never in a manifest). */
  rejects(): FileEntry[];
  stats(): Stats;
}

/** Checks the rules `send` checks; throws InvalidConfig naming the column. */
export function validate(config: DestinationConfig): void;
/** Reads the worker's YAML table config (or the same as JSON). */
export function parseTableConfig(text: string): DestinationConfig;

export class RioError extends Error {}
export class InvalidOptions extends RioError {}
export class InvalidConfig extends RioError {}
export class InvalidJson extends RioError {
  /** Byte offset in the row where the parser stopped. */
  readonly offset: number;
}
/** A JSON object that does not fit the destination's columns (docs/checks.md). */
export class InvalidRow extends RioError {
  readonly column: string;
  /** The value as the row gives it, its first 64 bytes. */
  readonly value: string;
  readonly reason: string;
}
export class RowTooLarge extends RioError {
  readonly size: number;
}
export class PipeSealed extends RioError {}
export class PipeClosed extends RioError {}
/** Thrown by the Node host itself: a call while `send` or `close` runs on the pipe. */
export class SendingInProgress extends RioError {}
export class NotSealed extends RioError {}
export class NoJobEndpoint extends RioError {}
export class S3Error extends RioError {
  /** HTTP status, or 0 when no answer came. */
  readonly status: number;
  /** S3's error code, or the transport's (e.g. HttpRequestDenied, ConnectionRefused). */
  readonly code: string;
  readonly requestId: string;
  readonly key: string;
  readonly attempts: number;
  /** S3's message or the transport's explanation. */
  readonly reason: string;
}
/** The job endpoint could not be reached or did not answer in time. */
export class JobUnreachable extends RioError {
  readonly reason: string;
}
export class JobRejected extends RioError {
  readonly status: number;
  /** The first KiB of the answer. */
  readonly body: string;
}
/** A `packLines` call that stopped early; `cause` says why. */
export class BatchError extends RioError {
  /** Rows accepted before the failing line; they stay packed. */
  readonly accepted: number;
  /** 1-based line of the failure within the batch; 0 when the whole batch was refused. */
  readonly line: number;
  /** Byte offset of the failing line's start within the batch. */
  readonly offset: number;
  readonly cause: RioError;
}
