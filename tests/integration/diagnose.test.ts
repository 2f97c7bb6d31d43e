// `lrscope diagnose`: the JSON contract, on demo runs written by the simulated LaMa job.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { describe, it, expect, beforeAll } from 'vitest';
import { cli } from '../helpers/cli';
import { startDemo } from '../../server/demo/demoWriter';
import { testDbUrl } from '../helpers/testDb';

const FINDING_KEYS = ['kind', 'severity', 'metrics', 'startStep', 'endStep', 'summary', 'evidence', 'suggestions'];
const SUGGESTION_KEYS = ['title', 'scheduler', 'params', 'config', 'code', 'previewLr'];
const KINDS = ['oscillation', 'plateau', 'overfitting', 'divergence', 'gan_imbalance', 'slow_convergence', 'gpu_underutilization'];

interface Out {
  runs: { id: number; name: string; path: string; findings: Record<string, unknown>[] }[];
}

describe('lrscope diagnose', () => {
  let dir: string;
  let osc: string;
  let healthy: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-diag-'));
    const a = startDemo({ dir, scenario: 'oscillation', speed: 200, steps: 8000, user: 'osc' });
    const b = startDemo({ dir, scenario: 'healthy', speed: 200, steps: 8000, user: 'ok' });
    await Promise.all([a.done, b.done]);
    osc = a.runName;
    healthy = b.runName;
  }, 60_000);

  it('diagnoses a path into a temporary database and prints exactly the documented JSON', async () => {
    const r = await cli('diagnose', dir, '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out) as Out;
    expect(Object.keys(out)).toEqual(['runs']);
    expect(out.runs.map((x) => x.name).sort()).toEqual([healthy, osc].sort());
    for (const run of out.runs) {
      expect(Object.keys(run)).toEqual(['id', 'name', 'path', 'findings']);
      expect(fs.existsSync(run.path)).toBe(true);
      for (const f of run.findings) {
        expect(Object.keys(f)).toEqual(FINDING_KEYS);
        expect(KINDS).toContain(f.kind);
        expect(['info', 'warning', 'critical']).toContain(f.severity);
        for (const s of f.suggestions as Record<string, unknown>[]) {
          expect(Object.keys(s)).toEqual(SUGGESTION_KEYS);
          for (const p of s.previewLr as unknown[]) expect(p).toEqual([expect.any(Number), expect.any(Number)]);
        }
        if (f.severity !== 'info') expect((f.suggestions as unknown[]).length).toBeGreaterThan(0);
      }
    }
    const o = out.runs.find((x) => x.name === osc)!;
    const finding = o.findings.find((f) => f.kind === 'oscillation');
    expect(finding).toBeDefined();
    expect(finding!.severity).toBe('warning');
    const warnings = out.runs.find((x) => x.name === healthy)!.findings.filter((f) => f.severity !== 'info');
    expect(warnings).toEqual([]);
  });

  it('without --db, a path is diagnosed in a temporary database that is removed afterwards', () => {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-cwd-'));
    const env = { ...process.env };
    delete env.LRSCOPE_DB;
    const out = execFileSync(process.execPath, [path.resolve('scripts/lrscope.mjs'), 'diagnose', dir, '--json'], { cwd, env, encoding: 'utf8' });
    expect((JSON.parse(out) as Out).runs).toHaveLength(2);
    expect(fs.readdirSync(cwd)).toEqual([]);
  });

  it('diagnoses a stored run by name with --db, and stores the findings for the dashboard', async () => {
    const db = testDbUrl(dir, 'db');
    await cli('ingest', dir, '--db', db);
    // ingest already diagnosed the runs it read: the dashboard's findings column has them
    const listed = JSON.parse((await cli('runs', '--db', db, '--json')).out) as { runs: { name: string; id: number }[] };
    const { openDb: open1 } = await import('../../server/db/open');
    const h1 = open1(db);
    const oscId = listed.runs.find((x) => x.name === osc)!.id;
    expect((h1.sqlite.prepare("SELECT COUNT(*) AS n FROM findings WHERE run_id = ? AND kind = 'oscillation'").get(oscId) as { n: number }).n).toBe(1);
    h1.close();
    const r = await cli('diagnose', osc, '--db', db, '--json');
    const out = JSON.parse(r.out) as Out;
    expect(out.runs).toHaveLength(1);
    expect(out.runs[0].findings.some((f) => f.kind === 'oscillation')).toBe(true);
    const text = await cli('diagnose', osc, '--db', db);
    expect(text.out).toMatch(/\[warning\] oscillation/);
    const runs = JSON.parse((await cli('runs', '--db', db, '--json')).out) as { runs: { name: string }[] };
    expect(runs.runs).toHaveLength(2);
    const { openDb } = await import('../../server/db/open');
    const h = openDb(db);
    const n = h.sqlite.prepare("SELECT COUNT(*) AS n FROM findings WHERE kind = 'oscillation'").get() as { n: number };
    expect(n.n).toBeGreaterThan(0);
    h.close();
    expect((await cli('diagnose', 'no-such-run', '--db', db)).code).toBe(2);
  });
});
