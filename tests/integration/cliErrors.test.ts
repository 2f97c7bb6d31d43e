// Stays on SQLite under LRSCOPE_TEST_DB=pg (tests/helpers/testDb.ts): it tests database files that are not SQLite, or another program's.
// Every CLI failure is one line on stderr and a non-zero exit; commands that only read never create (or
// write) a database; a --db with a typo'd folder, a file that is not a database, a file given where a
// folder is expected (demo, watch) and a file given to ingest are each said clearly.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import Database from 'better-sqlite3';
import { cli } from '../helpers/cli';

const REAL = '/work/shared/fixtures/real-lightning/dataguirre__reliefNET-GNN__global_efficiency_version_3';

/** Exactly one non-empty line, no stack frame. */
function oneLine(s: string): void {
  const lines = s.split('\n').filter((l) => l.trim());
  expect(lines, s).toHaveLength(1);
  expect(s).not.toMatch(/\n\s+at /);
}

/** Every file under dir with its size and mtime: what "nothing was written" is checked against. */
function snapshot(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true })
    .map(String)
    .sort()
    .map((f) => {
      const st = fs.statSync(path.join(dir, f));
      return `${f} ${st.size} ${st.mtimeMs}`;
    });
}

/** A small Lightning run written here (metrics.csv only). */
function lightningRun(root: string, version: number): string {
  const dir = path.join(root, 'lightning_logs', `version_${version}`);
  fs.mkdirSync(dir, { recursive: true });
  const rows = ['epoch,step,train_loss'];
  for (let i = 0; i < 20; i++) rows.push(`${Math.floor(i / 10)},${i},${1 / (i + 1)}`);
  fs.writeFileSync(path.join(dir, 'metrics.csv'), rows.join('\n') + '\n');
  return dir;
}

describe('CLI errors and read-only commands', () => {
  let tmp: string;
  const cwd = process.cwd();
  const envDb = process.env.LRSCOPE_DB;

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-cli-errors-'));
    delete process.env.LRSCOPE_DB;
  });
  afterAll(() => {
    process.chdir(cwd);
    if (envDb !== undefined) process.env.LRSCOPE_DB = envDb;
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('read-only commands never create a database: one line, exit 1', async () => {
    const db = path.join(tmp, 'none.db');
    for (const args of [['runs'], ['errors'], ['export', '1'], ['diagnose', '1'], ['runs', '--json']]) {
      const r = await cli(...args, '--db', db);
      expect(r.code, args.join(' ')).toBe(1);
      oneLine(r.err);
      expect(r.err).toContain(`no database at ${db}`);
      expect(fs.existsSync(db)).toBe(false);
    }
    // the default .lrscope/lrscope.db under the working directory: neither folder nor file appears
    const empty = fs.mkdtempSync(path.join(tmp, 'cwd-'));
    process.chdir(empty);
    try {
      const r = await cli('runs');
      expect(r.code).toBe(1);
      oneLine(r.err);
      expect(r.err).toContain("lrscope ingest <folder>");
      expect(fs.readdirSync(empty)).toEqual([]);
    } finally {
      process.chdir(cwd);
    }
  });

  it('--db in a folder that does not exist is refused, by writing commands too (no folder, no file made)', async () => {
    const typo = path.join(tmp, 'typo-folder', 'lrscope.db');
    for (const args of [['ingest', REAL], ['runs'], ['diagnose', REAL]]) {
      const r = await cli(...args, '--db', typo);
      expect(r.code, args.join(' ')).toBe(1);
      oneLine(r.err);
      expect(r.err).toContain(path.join(tmp, 'typo-folder'));
      expect(fs.existsSync(path.join(tmp, 'typo-folder'))).toBe(false);
    }
  });

  it('a --db that is not a database (or is another program’s) is one line, and is left as it was', async () => {
    const notDb = path.join(tmp, 'notes.db');
    fs.writeFileSync(notDb, 'these are my notes, not a database\n'.repeat(100));
    const before = fs.readFileSync(notDb);
    for (const args of [['runs'], ['export', '1'], ['errors'], ['ingest', REAL]]) {
      const r = await cli(...args, '--db', notDb);
      expect(r.code, args.join(' ')).toBe(1);
      oneLine(r.err);
      expect(r.err).toContain('is not an lrscope database');
    }
    expect(fs.readFileSync(notDb).equals(before)).toBe(true);

    const other = path.join(tmp, 'other-app.db');
    const s = new Database(other);
    s.exec('CREATE TABLE contacts (name TEXT)');
    s.close();
    for (const args of [['runs'], ['ingest', REAL]]) {
      const r = await cli(...args, '--db', other);
      expect(r.code, args.join(' ')).toBe(1);
      oneLine(r.err);
      expect(r.err).toContain("not lrscope's");
    }
    const check = new Database(other, { readonly: true });
    expect(check.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all()).toEqual(['contacts']);
    check.close();
  });

  it('read-only commands open a database without writing to it (a read-only file or mount works)', async () => {
    const dir = path.join(tmp, 'ro');
    fs.mkdirSync(dir);
    const db = path.join(dir, 'lrscope.db');
    expect((await cli('ingest', REAL, '--db', db)).code).toBe(0);
    // as a copy taken off a cluster: one file, WAL folded in, read-only
    const s = new Database(db);
    s.pragma('journal_mode = DELETE');
    s.close();
    fs.chmodSync(db, 0o444);
    fs.chmodSync(dir, 0o555);
    try {
      const before = snapshot(dir);
      const runs = await cli('runs', '--db', db, '--json');
      expect(runs.code, runs.err).toBe(0);
      expect(JSON.parse(runs.out).runs).toHaveLength(1);
      expect((await cli('export', '1', '--db', db)).code).toBe(0);
      expect((await cli('errors', '--db', db)).code).toBe(0);
      const d = await cli('diagnose', '1', '--db', db, '--json');
      expect(d.code, d.err).toBe(0);
      expect(JSON.parse(d.out).runs[0].id).toBe(1);
      // no -wal / -shm / journal, the file untouched (root could write here: this checks nothing tried)
      expect(snapshot(dir)).toEqual(before);
    } finally {
      fs.chmodSync(dir, 0o755);
      fs.chmodSync(db, 0o644);
    }
  });

  it('demo into a file, and watch of a file: one line, exit 2 (no ENOTDIR)', async () => {
    const file = path.join(tmp, 'a-file.txt');
    fs.writeFileSync(file, 'x');
    for (const target of [file, path.join(file, 'sub')]) {
      const r = await cli('demo', target, '--steps', '10');
      expect(r.code).toBe(2);
      oneLine(r.err);
      expect(r.err).toContain('is a file: demo writes into a folder');
      expect(r.err).not.toContain('ENOTDIR');
    }
    const w = await cli('watch', file, '--no-dashboard', '--db', path.join(tmp, 'w.db'));
    expect(w.code).toBe(2);
    oneLine(w.err);
    expect(w.err).toContain('watch follows folders');
    expect(fs.existsSync(path.join(tmp, 'w.db'))).toBe(false);
  });

  it("a file given to ingest means that file's run only; a file of no run is refused", async () => {
    const project = path.join(tmp, 'project');
    const v0 = lightningRun(project, 0);
    lightningRun(project, 1);
    fs.writeFileSync(path.join(project, 'README.txt'), 'my project\n');
    const db = path.join(tmp, 'files.db');

    const bad = await cli('ingest', path.join(project, 'README.txt'), '--db', db);
    expect(bad.code).toBe(2);
    oneLine(bad.err);
    expect(bad.err).toContain('is not a file of a run');
    expect(fs.existsSync(db)).toBe(false); // before: the whole project folder was ingested

    const one = await cli('ingest', path.join(v0, 'metrics.csv'), '--db', db);
    expect(one.code, one.err).toBe(0);
    const runs = JSON.parse((await cli('runs', '--db', db, '--json')).out).runs as { path: string }[];
    expect(runs.map((r) => r.path)).toEqual([v0]);
  });

  it('unknown commands and options are one line, exit 2', async () => {
    for (const args of [['frobnicate'], ['--frobnicate'], ['runs', '--frobnicate'], ['export'], ['runs', '--limit', 'x'], ['ingest']]) {
      const r = await cli(...args);
      expect(r.code, args.join(' ')).toBe(2);
      oneLine(r.err);
    }
  });
});
