// The component's `error` variant as Error subclasses named like the Rust API's variants.
// Messages say what went wrong and where, and never hold a secret: the component puts none in.

export class RioError extends Error {
  get name() {
    return this.constructor.name;
  }
}

export class InvalidOptions extends RioError {
  constructor(message) {
    super(`invalid options: ${message}`);
  }
}

export class InvalidConfig extends RioError {
  constructor(message) {
    super(`invalid table config: ${message}`);
  }
}

export class InvalidJson extends RioError {
  constructor({ message, offset }) {
    super(`not a JSON object: ${message} (at byte ${offset} of the row)`);
    this.offset = Number(offset);
  }
}

/** A JSON object that does not fit the destination's columns (docs/checks.md). */
export class InvalidRow extends RioError {
  constructor({ column, value, reason }) {
    super(value ? `column ${column}: ${reason} (value ${value})` : `column ${column}: ${reason}`);
    Object.assign(this, { column, value, reason });
  }
}

export class RowTooLarge extends RioError {
  constructor(size) {
    super(`row of ${size} bytes is over Redshift's 4 MiB limit for a JSON record`);
    this.size = Number(size);
  }
}

export class PipeSealed extends RioError {
  constructor() {
    super('the pipe is sealed: unseal it to pack more rows');
  }
}

export class PipeClosed extends RioError {
  constructor() {
    super('the pipe is closed');
  }
}

// Not a case of the component's `error`: the sending state is the host's own.
export class SendingInProgress extends RioError {
  constructor() {
    super('a send is in progress on this pipe');
  }
}

export class NotSealed extends RioError {
  constructor() {
    super('the pipe is not sealed: seal it before writing a manifest');
  }
}

export class NoJobEndpoint extends RioError {
  constructor() {
    super('no job endpoint is configured: send needs an s3-to-redshift worker');
  }
}

export class S3Error extends RioError {
  constructor({ status, code, message, requestId, key, attempts }) {
    super(s3Message({ status, code, message, requestId, key, attempts }));
    Object.assign(this, { status, code, requestId, key, attempts, reason: message });
  }
}

export class JobUnreachable extends RioError {
  constructor(message) {
    super(`job endpoint unreachable: ${message}`);
    this.reason = message;
  }
}

export class JobRejected extends RioError {
  constructor({ status, body }) {
    super(`job endpoint answered ${status}: ${body}`);
    Object.assign(this, { status, body });
  }
}

/** A `packLines` call that stopped early: `accepted` rows before line `line` stay packed. */
export class BatchError extends RioError {
  constructor({ accepted, line, offset, error }) {
    const cause = fromWit(error);
    super(
      line === 0
        ? cause.message
        : `line ${line}: ${cause.message} (${accepted} rows before it were packed)`,
      { cause },
    );
    Object.assign(this, { accepted, line, offset });
  }
}

function s3Message({ status, code, message, requestId, key, attempts }) {
  const tries = attempts === 1 ? '1 attempt' : `${attempts} attempts`;
  if (status === 0) return `S3 PUT ${key} got no answer after ${tries}: ${code}: ${message}`;
  let text = `S3 PUT ${key} failed after ${tries}: ${status} ${code}`;
  if (message) text += `: ${message}`;
  if (requestId) text += ` (request id ${requestId})`;
  return text;
}

const variants = {
  'invalid-options': (val) => new InvalidOptions(val),
  'invalid-config': (val) => new InvalidConfig(val),
  'invalid-json': (val) => new InvalidJson(val),
  'invalid-row': (val) => new InvalidRow(val),
  'row-too-large': (val) => new RowTooLarge(val),
  'pipe-sealed': () => new PipeSealed(),
  'pipe-closed': () => new PipeClosed(),
  'not-sealed': () => new NotSealed(),
  'no-job-endpoint': () => new NoJobEndpoint(),
  s3: (val) => new S3Error(val),
  'job-unreachable': (val) => new JobUnreachable(val),
  'job-rejected': (val) => new JobRejected(val),
};

/** The component's `error` variant (`{tag, val}`) as a RioError. */
export function fromWit({ tag, val }) {
  if (!Object.hasOwn(variants, tag)) throw new TypeError(`unknown error case from the component: ${tag}`);
  return variants[tag](val);
}

/** Rewrites a component failure (jco's ComponentError) as a RioError; anything else as is. */
export function translate(e) {
  if (e === null || typeof e !== 'object' || !('payload' in e)) return e;
  const p = e.payload;
  return 'accepted' in p
    ? new BatchError({ accepted: Number(p.accepted), line: Number(p.line), offset: Number(p.offset), error: p.error })
    : fromWit(p);
}
