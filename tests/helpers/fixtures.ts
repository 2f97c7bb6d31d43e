import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (this file lives in <repo>/tests/helpers). */
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Absolute path of the shared fixtures directory: `<repo>/../shared/fixtures`. */
export const FIXTURES = path.resolve(REPO, '..', 'shared', 'fixtures');

/** Read a fixture file, `rel` relative to FIXTURES. */
export function readFixture(rel: string): Buffer {
  return readFileSync(path.join(FIXTURES, rel));
}
