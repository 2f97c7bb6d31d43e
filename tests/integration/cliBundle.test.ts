// The CLI compiled once (scripts/build-cli.mjs, run by npm's `prepare`): the bundle runs `--help` and a
// real ingest (with the decode worker found beside it) and `runs`; the launcher (scripts/lrscope.mjs) takes
// the bundle while it is newer than its sources and falls back to tsx when one is newer or it is missing.
// Built into a folder of its own under .scratch/ (not dist/: other work in this tree keeps using that one).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { encodeFileVersionEvent, encodeScalarEvent, eventFileName, eventRecord } from '../../server/ingest/tfeventsWriter';

const ROOT = path.resolve('.');
const LAUNCHER = path.join(ROOT, 'scripts', 'lrscope.mjs');

describe('the compiled CLI', () => {
  let scratch: string;
  let dist: string;
  let tmp: string;

  function run(args: string[], env: Record<string, string> = {}) {
    const r = spawnSync(process.execPath, [LAUNCHER, ...args], {
      cwd: tmp,
      env: { ...process.env, LRSCOPE_DIST: dist, LRSCOPE_CLI_TRACE: '1', ...env },
      encoding: 'utf8',
    });
    return { code: r.status, out: r.stdout, err: r.stderr };
  }

  beforeAll(() => {
    fs.mkdirSync(path.join(ROOT, '.scratch'), { recursive: true });
    scratch = fs.mkdtempSync(path.join(ROOT, '.scratch', 'cli-bundle-'));
    dist = path.join(scratch, 'dist');
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-cli-bundle-'));
    const b = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build-cli.mjs'), '--outdir', dist, '--quiet'], { encoding: 'utf8' });
    expect(b.status, b.stderr).toBe(0);
    // others edit server/ in this tree while the tests run: date the bundle an hour ahead so "fresh" holds
    const ahead = new Date(Date.now() + 3_600_000);
    fs.utimesSync(path.join(dist, 'cli.mjs'), ahead, ahead);
  });

  afterAll(() => {
    fs.rmSync(scratch, { recursive: true, force: true });
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('builds one bundle, its chunks and the decode worker side by side, and lists its sources', () => {
    const files = fs.readdirSync(dist);
    expect(files).toContain('cli.mjs');
    expect(files).toContain('decodeWorker.mjs');
    const inputs = JSON.parse(fs.readFileSync(path.join(dist, 'cli.inputs.json'), 'utf8')).inputs as string[];
    expect(inputs).toContain('server/cli/main.ts');
    expect(inputs).toContain('server/db/store.ts');
    expect(inputs.every((p) => !p.startsWith('node_modules/'))).toBe(true);
    // the code that starts the worker resolves it next to itself: that file must be in the same folder
    const starter = files.filter((f) => f.endsWith('.mjs') && f !== 'decodeWorker.mjs' && fs.readFileSync(path.join(dist, f), 'utf8').includes("new URL(\"./decodeWorker.mjs\""));
    expect(starter.length).toBe(1);
  });

  it('runs --help from the bundle', () => {
    const r = run(['--help']);
    expect(r.code).toBe(0);
    expect(r.err).toContain(`running ${path.relative(ROOT, path.join(dist, 'cli.mjs'))}`);
    expect(r.out).toContain('Usage: lrscope <command>');
  });

  it('ingests a real run (decode worker included) and lists it from the bundle', () => {
    // an event file over the worker threshold, read through the worker (LRSCOPE_INGEST_WORKER=always)
    const runDir = path.join(tmp, 'proj', 'lightning_logs', 'version_0');
    fs.mkdirSync(runDir, { recursive: true });
    const t0 = 1_750_000_000;
    const recs = [eventRecord(encodeFileVersionEvent(t0))];
    for (let i = 0; i < 20_000; i++) recs.push(eventRecord(encodeScalarEvent({ tag: 'train_loss', step: i, wallTime: t0 + i, value: 1 / (i + 1) })));
    fs.writeFileSync(path.join(runDir, eventFileName(t0, "host", 1)), Buffer.concat(recs));
    // a preload that says where the worker is started from and whether that file exists
    const preload = path.join(tmp, 'trace-worker.mjs');
    fs.writeFileSync(
      preload,
      `import wt from 'node:worker_threads';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { syncBuiltinESMExports } from 'node:module';
const W = wt.Worker;
wt.Worker = class extends W {
  constructor(url, opts) {
    process.stderr.write('worker ' + (fs.existsSync(fileURLToPath(url)) ? 'found' : 'MISSING') + ' at ' + url + '\\n');
    super(url, opts);
  }
};
syncBuiltinESMExports();
`,
    );
    const db = path.join(tmp, 'lrscope.db');
    const r = run(['ingest', path.join(tmp, 'proj'), '--db', db], { LRSCOPE_INGEST_WORKER: 'always', NODE_OPTIONS: `--import ${preload}` });
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain('running .scratch/');
    expect(r.err).toMatch(/worker found at file:\/\/.*\/dist\/decodeWorker\.mjs/);
    expect(r.out).toContain('20000 points');
    const list = run(['runs', '--db', db, '--json']);
    expect(list.code).toBe(0);
    const runs = JSON.parse(list.out).runs as { name: string; points: number }[];
    expect(runs.map((x) => [x.name, x.points])).toEqual([['proj/version_0', 20000]]);
  });

  it('falls back to tsx when a source is newer than the bundle, or the bundle is missing', () => {
    const inputsFile = path.join(dist, 'cli.inputs.json');
    const saved = fs.readFileSync(inputsFile, 'utf8');
    // a source listed by the bundle and edited after it was built (a file of this test, not the tree's)
    const marker = path.join(scratch, 'edited.ts');
    fs.writeFileSync(marker, '');
    const later = new Date(fs.statSync(path.join(dist, 'cli.mjs')).mtimeMs + 5000);
    fs.utimesSync(marker, later, later);
    const inputs = JSON.parse(saved).inputs as string[];
    fs.writeFileSync(inputsFile, JSON.stringify({ inputs: [...inputs, path.relative(ROOT, marker)] }));
    try {
      const r = run(['--help']);
      expect(r.code).toBe(0);
      expect(r.err).toContain('through tsx');
    } finally {
      fs.writeFileSync(inputsFile, saved);
    }
    expect(run(['--help']).err).toContain('running .scratch/');
    const missing = run(['--help'], { LRSCOPE_DIST: path.join(scratch, 'no-such-dist') });
    expect(missing.code).toBe(0);
    expect(missing.err).toContain('through tsx');
  });
});
