// Stays on SQLite under LRSCOPE_TEST_DB=pg (tests/helpers/testDb.ts): it tests SQLite files on read-only and full mounts.
// Storage faults at the command line: a database locked by another program, a full disk, a read-only
// mount. Each is one clear line on stderr (no SqliteError stack) and a non-zero exit code, and nothing
// half-written stays behind. Disk full and read-only use a small tmpfs (we run as root, so file modes do
// not stop us); where `mount` is not allowed those two are skipped and say so. The watcher's side of the
// same faults (pause, back-off, resume) is in watchFaults.test.ts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { storageFault } from '../../server/db/faults';

function lrscope(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [path.resolve('scripts/lrscope.mjs'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, out, err })));
}

function expectOneLine(err: string, pattern: RegExp): void {
  const lines = err.trim().split('\n');
  expect(lines, err).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(err).not.toMatch(/SqliteError|\n\s+at /);
}

const FIXTURE = path.resolve('tests/fixtures/lama-run');

function tryMount(size: string): string | null {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-tmpfs-'));
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  if (r.status !== 0) {
    console.log(`mount -t tmpfs not allowed here (${r.stderr.toString().trim()}): disk-full and read-only CLI cases skipped`);
    fs.rmdirSync(dir);
    return null;
  }
  return dir;
}
const canMount = (() => {
  const d = tryMount('64k');
  if (!d) return false;
  spawnSync('umount', [d]);
  fs.rmdirSync(d);
  return true;
})();

describe('storage faults at the command line', () => {
  it('classifies SQLite and OS errors', () => {
    expect(storageFault(Object.assign(new Error('database or disk is full'), { name: 'SqliteError', code: 'SQLITE_FULL' }))?.code).toBe('disk-full');
    expect(storageFault(Object.assign(new Error('x'), { name: 'SqliteError', code: 'SQLITE_READONLY_DBMOVED' }))?.code).toBe('read-only');
    expect(storageFault(Object.assign(new Error('x'), { name: 'SqliteError', code: 'SQLITE_BUSY' }))?.code).toBe('locked');
    expect(storageFault(Object.assign(new Error('x'), { name: 'SqliteError', code: 'SQLITE_IOERR_WRITE' }))?.code).toBe('io');
    expect(storageFault(Object.assign(new Error('x'), { code: 'ENOSPC' }))?.code).toBe('disk-full');
    // a data file that cannot be read is that file's ingest error, not a storage fault
    expect(storageFault(Object.assign(new Error('x'), { code: 'EACCES' }))).toBeNull();
    expect(storageFault(Object.assign(new Error('x'), { name: 'SqliteError', code: 'SQLITE_CONSTRAINT_UNIQUE' }))).toBeNull();
    expect(storageFault(new RangeError('Maximum call stack size exceeded'))).toBeNull();
  });

  it('a database locked by another program: one line, exit 1', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-locked-'));
    const db = path.join(dir, 'db.sqlite');
    expect((await lrscope(['ingest', FIXTURE, '--db', db])).code).toBe(0);
    const other = new Database(db);
    other.exec('BEGIN EXCLUSIVE'); // what a sqlite3 shell in a write transaction, or a backup tool, holds
    try {
      const r = await lrscope(['ingest', path.resolve('tests/fixtures/lama-devset/experiments'), '--db', db]);
      expect(r.code).toBe(1);
      expectOneLine(r.err, /^lrscope ingest: the database is locked by another program.*\(SQLITE_BUSY\)$/);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    const s = new Database(db, { readonly: true });
    expect(s.pragma('integrity_check', { simple: true })).toBe('ok');
    s.close();
  }, 30_000);

  it.runIf(canMount)('a full disk (a 1 MB tmpfs): one line, exit 1, the database intact and readable after', async () => {
    const mnt = tryMount('1m')!;
    try {
      const db = path.join(mnt, 'db.sqlite');
      const r = await lrscope(['ingest', path.resolve('tests/fixtures/lama-devset'), '--db', db]);
      expect(r.code).toBe(1);
      expectOneLine(r.err, /^lrscope ingest: the disk holding the database is full.*\(SQLITE_FULL\)$/);
      spawnSync('mount', ['-o', 'remount,size=64m', mnt]); // space returns
      const again = await lrscope(['ingest', path.resolve('tests/fixtures/lama-devset'), '--db', db]);
      expect(again.code, again.err).toBe(0);
      const s = new Database(db, { readonly: true });
      expect(s.pragma('integrity_check', { simple: true })).toBe('ok');
      s.close();
    } finally {
      spawnSync('umount', [mnt]);
      fs.rmdirSync(mnt);
    }
  }, 60_000);

  it.runIf(canMount)('a read-only mount: one line, exit 1', async () => {
    const mnt = tryMount('16m')!;
    try {
      const db = path.join(mnt, 'db.sqlite');
      expect((await lrscope(['ingest', FIXTURE, '--db', db])).code).toBe(0);
      expect(spawnSync('mount', ['-o', 'remount,ro', mnt]).status).toBe(0);
      const r = await lrscope(['ingest', FIXTURE, '--db', db]);
      expect(r.code).toBe(1);
      // SQLite says READONLY, or CANTOPEN when the WAL's shared-memory file cannot be created there
      expectOneLine(r.err, /^lrscope ingest: the database (cannot be written \(read-only|file cannot be opened for writing \(.*read-only mount).*\((SQLITE_READONLY|SQLITE_CANTOPEN)\w*\)$/);
    } finally {
      spawnSync('umount', [mnt]);
      fs.rmdirSync(mnt);
    }
  }, 60_000);
});
