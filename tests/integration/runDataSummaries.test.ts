// The diagnosis reads long series from their summaries: bounded rows, same findings as from the raw points.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDb } from '../../server/db/open';
import { Store } from '../../server/db/store';
import { loadRunData, RAW_MAX } from '../../server/db/runData';
import { diagnoseRun } from '../../server/analysis/diagnose';
import type { ScalarRecord } from '../../server/ingest/types';
import { testDbUrl } from '../helpers/testDb';

const identity = { size: 1, inode: 1, mtimeMs: 1, head: 'aa', tail: '' };

function storeWith(points: number, value: (step: number) => number) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-rd-'));
  const h = openDb(testDbUrl(dir, 'db'));
  const store = new Store(h);
  const runId = store.upsertRun({ key: 'path:/r', name: 'r', path: '/r', kind: 'tensorboard' });
  const f = store.ensureFile(runId, '/r/ev', 'tfevents', '');
  for (let from = 0; from < points; from += 50_000) {
    const chunk: ScalarRecord[] = [];
    for (let s = from; s < Math.min(points, from + 50_000); s++) {
      chunk.push({ tag: 'train_loss', step: s, wallTime: 1.7e9 + s, value: value(s) });
      if (s % 1000 === 999) chunk.push({ tag: 'val_loss', step: s, wallTime: 1.7e9 + s, value: value(s) * 1.2 });
    }
    store.commitChunk({ file: f, offset: from + 1, identity, state: null, scalars: chunk });
  }
  return { h, runId };
}

describe('diagnosis input from the series summaries', () => {
  it('a series longer than RAW_MAX comes back as bucket means (bounded), with its first NaN at its exact step', () => {
    const n = 400_000;
    const { h, runId } = storeWith(n, (s) => (s >= 300_123 ? NaN : 1 / (1 + s / 1000)));
    const data = loadRunData(h.sqlite, runId)!;
    const loss = data.series.find((s) => s.tag === 'train_loss')!;
    expect(n).toBeGreaterThan(RAW_MAX);
    expect(loss.steps.length).toBeLessThanOrEqual(8_192 + 16);
    const firstNaN = loss.steps[loss.values.findIndex((v) => Number.isNaN(v))];
    expect(firstNaN).toBe(300_123);
    // bucket means follow the curve
    const i = loss.steps.findIndex((s) => s >= 100_000);
    expect(loss.values[i]).toBeCloseTo(1 / (1 + loss.steps[i] / 1000), 1);
    const [f] = diagnoseRun(data).filter((x) => x.kind === 'divergence');
    expect(f.evidence.rule).toBe('D1');
    expect(f.summary).toMatch(/became NaN at step 300123/);
  });

  it('the same verdicts as from the raw points on a long plateau run', () => {
    const n = 200_000;
    const curve = (s: number) => 0.5 + 0.5 * Math.exp(-Math.min(s, 30_000) / 8000) + 0.02 * Math.sin(s);
    const { h, runId } = storeWith(n, curve);
    const fromSummaries = diagnoseRun(loadRunData(h.sqlite, runId)!).map((f) => f.kind);
    const raw = loadRunData(h.sqlite, runId)!;
    const steps = Array.from({ length: n }, (_, s) => s);
    raw.series = raw.series.map((s) => (s.tag === 'train_loss' ? { tag: s.tag, steps, values: steps.map(curve) } : s));
    expect(fromSummaries).toEqual(diagnoseRun(raw).map((f) => f.kind));
    expect(fromSummaries).toContain('plateau');
  });
});
