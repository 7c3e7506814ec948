// Where this repository's build puts the component and the binaries; env vars override.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const targets = [process.env.CARGO_TARGET_DIR, join(repo, 'target')].filter(Boolean);

// The first that exists, else the first: its absence is then reported by the caller.
const first = (paths) => paths.find((p) => existsSync(p)) ?? paths[0];

/** RIO_COMPONENT, else the component built by `make component` or by the host's build script. */
export const componentPath =
  process.env.RIO_COMPONENT ??
  first(targets.map((t) => join(t, 'component/wasm32-wasip2/component/rio_guest.wasm')));

/** RIO_BIN, else the rio CLI of the first cargo profile in `profiles` that has one. */
export const findRio = (profiles = ['debug']) =>
  process.env.RIO_BIN ?? first(profiles.flatMap((profile) => targets.map((t) => join(t, profile, 'rio'))));

/** The rio CLI for tests: the debug build that `cargo test` keeps fresh. */
export const rioBin = findRio();

/** RIO_JOB_ENDPOINT_BIN, else the tests' mock job endpoint that `cargo test` builds. */
export const jobEndpointBin =
  process.env.RIO_JOB_ENDPOINT_BIN ?? first(targets.map((t) => join(t, 'debug', 'rio-job-endpoint')));
