// Transpiles the component into generated/ with jco: sync instantiation, so that each pipe can
// be a separate instance with imports (and an allow-list) of its own.

import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { componentPath } from './paths.js';

if (!existsSync(componentPath)) {
  console.error(`no component at ${componentPath}: run \`make component\` at the repository root, or set RIO_COMPONENT`);
  process.exit(1);
}
const out = fileURLToPath(new URL('../generated', import.meta.url));
rmSync(out, { recursive: true, force: true });
execFileSync(
  fileURLToPath(new URL('../node_modules/.bin/jco', import.meta.url)),
  ['transpile', componentPath, '--out-dir', out, '--name', 'rio', '--instantiation', 'sync', '--quiet'],
  { stdio: 'inherit' },
);
