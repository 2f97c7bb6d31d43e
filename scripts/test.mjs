#!/usr/bin/env node
// npm test: make sure Debian's Chromium is there for the browser tests (never skip them silently),
// type-check, then run vitest.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';

const CHROMIUM = process.env.LRSCOPE_CHROMIUM ?? '/usr/bin/chromium';

function ensureChromium() {
  if (fs.existsSync(CHROMIUM)) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    console.error(`Chromium is missing for the browser tests. Fix: sudo apt-get install -y chromium`);
    process.exit(1);
  }
  console.log('Chromium is missing: installing Debian\'s chromium (apt-get install -y chromium)…');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let r = spawnSync('apt-get', ['install', '-y', 'chromium'], { stdio: 'inherit', env });
  if (r.status !== 0) {
    spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
    r = spawnSync('apt-get', ['install', '-y', 'chromium'], { stdio: 'inherit', env });
  }
  if (r.status !== 0 || !fs.existsSync(CHROMIUM)) {
    console.error('Could not install Chromium. Fix: apt-get update && apt-get install -y chromium');
    process.exit(1);
  }
}

// PostgreSQL's server binaries for the team tests (tests/helpers/pgCluster.ts starts a throw-away cluster)
function hasPostgres() {
  if (process.env.LRSCOPE_PG_BIN) return fs.existsSync(`${process.env.LRSCOPE_PG_BIN}/initdb`);
  const base = '/usr/lib/postgresql';
  return fs.existsSync(base) && fs.readdirSync(base).some((v) => fs.existsSync(`${base}/${v}/bin/initdb`));
}

function ensurePostgres() {
  if (hasPostgres()) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    console.error('PostgreSQL is missing for the team tests. Fix: sudo apt-get install -y postgresql');
    process.exit(1);
  }
  console.log('PostgreSQL is missing: installing Debian\'s postgresql (apt-get install -y postgresql)…');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let r = spawnSync('apt-get', ['install', '-y', 'postgresql'], { stdio: 'inherit', env });
  if (r.status !== 0) {
    spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
    r = spawnSync('apt-get', ['install', '-y', 'postgresql'], { stdio: 'inherit', env });
  }
  if (r.status !== 0 || !hasPostgres()) {
    console.error('Could not install PostgreSQL. Fix: apt-get update && apt-get install -y postgresql');
    process.exit(1);
  }
}

ensureChromium();
ensurePostgres();
execFileSync('npx', ['tsc', '--noEmit', '-p', '.'], { stdio: 'inherit' });
const args = process.argv.slice(2);
const r = spawnSync('npx', ['vitest', 'run', ...args], { stdio: 'inherit' });
// the whole suite (no file named): then the core of it again on PostgreSQL (scripts/test-pg.mjs --core, ~1 min;
// `npm run test:pg` runs every converted file there)
let pg = 0;
if (!args.some((a) => !a.startsWith('-')) && !process.env.LRSCOPE_TEST_DB) {
  pg = spawnSync(process.execPath, ['scripts/test-pg.mjs', '--core', ...args], { stdio: 'inherit' }).status ?? 1;
}
process.exit(r.status || pg);
