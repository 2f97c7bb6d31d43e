#!/usr/bin/env node
// npm run bench:cli — start-up time of `lrscope --help` and `lrscope runs` (an empty database): the CLI
// compiled at install (dist/cli.mjs) next to compiling the TypeScript through tsx at start (the fallback
// when the bundle is missing or older than the sources). Median and max of N runs each, wall time of the
// whole process. Builds the bundle first when it is missing or stale. Target: --help < 300 ms.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const N = Number(process.env.BENCH_N ?? 10);
const bin = path.join(root, 'scripts', 'lrscope.mjs');

const trace = spawnSync(process.execPath, [bin, '--help'], { env: { ...process.env, LRSCOPE_CLI_TRACE: '1' }, encoding: 'utf8' });
if (!trace.stderr.includes('dist/cli.mjs')) {
  console.log('bundle missing or older than the sources: building it (npm run build:cli)');
  spawnSync(process.execPath, [path.join(root, 'scripts', 'build-cli.mjs')], { stdio: 'inherit' });
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-bench-cli-'));
const db = path.join(tmp, 'lrscope.db');
spawnSync(process.execPath, [bin, 'ingest', tmp, '--db', db], { encoding: 'utf8' }); // creates the database

function time(mode, args) {
  const ms = [];
  for (let i = 0; i < N; i++) {
    const t = performance.now();
    const r = spawnSync(process.execPath, [bin, ...args], { env: { ...process.env, LRSCOPE_CLI: mode }, encoding: 'utf8' });
    ms.push(performance.now() - t);
    if (r.status !== 0) throw new Error(`lrscope ${args.join(' ')} (${mode}) exited ${r.status}: ${r.stderr}`);
  }
  ms.sort((a, b) => a - b);
  return { median: ms[Math.floor(ms.length / 2)], max: ms[ms.length - 1] };
}

console.log(`lrscope start-up, ${N} runs each (${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(2)})`);
console.log('command'.padEnd(22) + 'bundle (median / max)'.padEnd(26) + 'tsx at start (median / max)');
for (const args of [['--help'], ['runs', '--db', db]]) {
  const b = time('bundle', args);
  const s = time('source', args);
  const f = (x) => `${Math.round(x.median)} / ${Math.round(x.max)} ms`;
  console.log(`lrscope ${args[0]}`.padEnd(22) + f(b).padEnd(26) + f(s) + `   (${(s.median / b.median).toFixed(1)}× faster)`);
}
fs.rmSync(tmp, { recursive: true, force: true });
