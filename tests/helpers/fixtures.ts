import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (this file lives in <repo>/tests/helpers). */
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The real fixture files (copied from the team's shared/fixtures into the repository so that a clean
 * clone on CI has them).
 */
export const FIXTURES = path.resolve(REPO, 'tests', 'fixtures');

/** Read a fixture file, `rel` relative to FIXTURES. */
export function readFixture(rel: string): Buffer {
  return readFileSync(path.join(FIXTURES, rel));
}
