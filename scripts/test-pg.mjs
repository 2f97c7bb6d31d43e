#!/usr/bin/env node
// npm run test:pg: the ingest/API/diagnosis suite on PostgreSQL. Runs every test file that opens its
// databases through tests/helpers/testDb.ts with LRSCOPE_TEST_DB=pg (tests/globalSetup.ts starts one
// throw-away cluster; each test database is a CREATE DATABASE on it). `--core` runs the fast, most
// important part only (what `npm test` adds after its SQLite pass); other arguments go to vitest.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

// ingest, the CLI, the API (runs.list/get, metrics.series, meta), the store and diagnosis: ~1 min on 2 cores
export const CORE = [
  'tests/integration/ingest.test.ts',
  'tests/integration/badInput.test.ts',
  'tests/integration/diagnose.test.ts',
  'tests/integration/apiLimits.test.ts',
  'tests/integration/runsList.test.ts',
  'tests/integration/runMeta.test.ts',
  'tests/integration/runDataSummaries.test.ts',
  'tests/integration/oneSeriesPerTag.test.ts',
  'tests/integration/epochs.test.ts',
  'tests/integration/emptyValidation.test.ts',
  'tests/integration/exportCsv.test.ts',
  'tests/integration/watch.test.ts',
  'tests/unit/store.test.ts',
  'tests/unit/seriesQuery.test.ts',
  'tests/unit/seriesPyramid.test.ts',
];

function testFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return testFiles(p);
    return e.name.endsWith('.test.ts') && fs.readFileSync(p, 'utf8').includes("from '../helpers/testDb'") ? [p] : [];
  });
}

const args = process.argv.slice(2);
const core = args.includes('--core');
const files = core ? CORE : testFiles('tests').sort();
const rest = args.filter((a) => a !== '--core');
console.log(`PostgreSQL pass (LRSCOPE_TEST_DB=pg): ${files.length} test files${core ? ' (core)' : ''}`);
const r = spawnSync('npx', ['vitest', 'run', ...files, ...rest], { stdio: 'inherit', env: { ...process.env, LRSCOPE_TEST_DB: 'pg' } });
process.exit(r.status ?? 1);
