// `lrscope watch --poll` (network file systems): no inotify, the files are polled; and --no-dashboard.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { describe, it, expect } from 'vitest';
import { until } from '../helpers/watchProcess';
import { cli } from '../helpers/cli';
import { encodeFileVersionEvent, encodeScalarEvent, eventRecord } from '../../server/ingest/tfeventsWriter';
import { testDbUrl } from '../helpers/testDb';

describe('lrscope watch --poll', () => {
  it('follows a growing event file by polling', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-poll-'));
    const tb = path.join(dir, 'logs', 'run_x', 'version_0');
    fs.mkdirSync(tb, { recursive: true });
    const file = path.join(tb, 'events.out.tfevents.1.h.1.0');
    fs.writeFileSync(file, eventRecord(encodeFileVersionEvent(1)));
    const db = testDbUrl(dir, 'db');
    const child = spawn(process.execPath, [path.resolve('scripts/lrscope.mjs'), 'watch', path.join(dir, 'logs'), '--db', db, '--no-dashboard', '--poll', '200'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await until(() => /runs? in the database/.test(out), 20_000);
      expect(out).toMatch(/polling every 200 ms/);
      const points = async () => {
        const r = await cli('runs', '--db', db, '--json');
        return (JSON.parse(r.out) as { runs: { points: number }[] }).runs[0]?.points ?? 0;
      };
      for (let step = 1; step <= 3; step++) {
        fs.appendFileSync(file, eventRecord(encodeScalarEvent({ tag: 'loss', step, value: 1 / step, wallTime: 2 })));
        await until(async () => (await points()) === step, 10_000);
      }
    } finally {
      child.kill('SIGINT');
      await new Promise((r) => child.once('exit', r));
    }
    expect(out).toMatch(/Stopping/);
  }, 60_000);
});
