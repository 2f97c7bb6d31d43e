// Stays on SQLite under LRSCOPE_TEST_DB=pg (tests/helpers/testDb.ts): it tests a SQLite WAL database after a killed watch.
// kill -9 of the watcher while a demo job writes, restart, then compare what is stored with what the
// files hold: none lost, none doubled.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it, expect } from 'vitest';
import { freePort, startWatch, trpcClient, until } from '../helpers/watchProcess';
import { startDemo } from '../../server/demo/demoWriter';
import { cli } from '../helpers/cli';

describe('crash safety', () => {
  it('a watcher killed with SIGKILL mid-ingest resumes with no point lost or doubled', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-crash-'));
    const project = path.join(dir, 'project');
    fs.mkdirSync(project);
    const db = path.join(dir, 'db.sqlite');
    const port = await freePort();
    let w = await startWatch([project, '--db', db, '--port', String(port)]);
    const demo = startDemo({ dir: project, scenario: 'healthy', speed: 25, steps: 12_000, flushEveryMs: 150 });
    let api = trpcClient(w.url);
    const run = await until(async () => (await api.runs.list.query({})).rows.find((r) => r.name === demo.runName && r.points > 50));
    await w.stop('SIGKILL'); // no clean-up at all: the transaction in flight is rolled back by SQLite
    await new Promise((r) => setTimeout(r, 700)); // the job keeps writing while nobody watches
    w = await startWatch([project, '--db', db, '--port', String(port)]);
    api = trpcClient(w.url);
    await demo.done;
    const expected = demo.written();
    const total = [...expected.values()].reduce((n, l) => n + l.length, 0);
    await until(async () => (await api.runs.get.query({ id: run.id })).points === total, 30_000);
    await new Promise((r) => setTimeout(r, 1500)); // nothing more may arrive (no doubles)
    const csv = (await cli('export', String(run.id), '--db', db)).out.trim().split('\n').slice(1);
    const got = new Map<string, [number, number][]>();
    for (const line of csv) {
      const i = line.lastIndexOf(',');
      const j = line.lastIndexOf(',', i - 1);
      const k = line.lastIndexOf(',', j - 1);
      const tag = line.slice(0, k).replace(/^"|"$/g, '');
      const list = got.get(tag) ?? [];
      list.push([Number(line.slice(k + 1, j)), Number(line.slice(i + 1))]);
      got.set(tag, list);
    }
    for (const [tag, pts] of expected) {
      expect(got.get(tag), tag).toEqual(pts);
    }
    expect([...got.keys()].sort()).toEqual([...expected.keys()].sort());
    await w.stop();
  }, 120_000);
});
