// A 1M-point series (one event file, a resumed job, spikes, a NaN stretch) through ingest and metrics.series
// (tRPC createCaller on a temp database): no crash, every answer equal to the raw-data answer, spikes drawn,
// reads bounded by the answer size; then the file is replaced by a shorter one.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { openDb, type DbHandle } from '../../server/db/open';
import { Store } from '../../server/db/store';
import { ingestPaths } from '../../server/ingest/ingest';
import { appRouter } from '../../server/api/root';
import { querySeries } from '../../server/db/series';
import { newReadStats } from '../../server/db/pyramidRead';
import { FANOUT, LEVELS, BASE } from '../../server/db/pyramid';
import { encodeFileVersionEvent, encodeScalarEvent, eventFileName, eventRecord } from '../../server/ingest/tfeventsWriter';
import { rawPoints, reference } from '../helpers/seriesReference';
import { testDbUrl } from '../helpers/testDb';

const N = 1_000_000;
const SPIKE_STEP = 123_457;
const RESUME_AT = 700_000; // the job resumes from step 600,000 here: a second segment

function writeEvents(file: string, n: number): void {
  const t0 = 1_795_000_000;
  const fd = fs.openSync(file, 'w');
  const parts: Buffer[] = [eventRecord(encodeFileVersionEvent(t0))];
  for (let i = 0; i < n; i++) {
    const step = i < RESUME_AT ? i : i - 100_000;
    let value = Math.exp(-step / 300_000) + 0.01 * Math.sin(i);
    if (step === SPIKE_STEP) value = 1e6;
    if (i >= 400_000 && i < 400_050) value = NaN;
    parts.push(eventRecord(encodeScalarEvent({ tag: 'train/loss', step, wallTime: t0 + i * 0.01, value })));
    if (parts.length >= 20_000) {
      fs.writeSync(fd, Buffer.concat(parts));
      parts.length = 0;
    }
  }
  fs.writeSync(fd, Buffer.concat(parts));
  fs.closeSync(fd);
}

describe('a 1M-point series', () => {
  let tmp: string;
  let h: DbHandle;
  let file: string;

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-it-1m-'));
    file = path.join(tmp, 'tb', eventFileName(1_795_000_000, 'host', 1));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    writeEvents(file, N);
    h = openDb(testDbUrl(tmp, 'db'));
  });

  afterAll(() => {
    h?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('ingests, answers full-range and zoomed views equal to the raw-data answer, and reads a bounded number of rows', async () => {
    const summary = ingestPaths(new Store(h), [path.join(tmp, 'tb')]);
    expect(summary.points).toBe(N);
    const runId = summary.runs[0].id;
    const api = appRouter.createCaller({ db: h });
    const pts = rawPoints(h, runId, 'train/loss');
    expect(pts).toHaveLength(N);

    const full = (await api.metrics.series({ runIds: [runId], tags: ['train/loss'], maxPoints: 2000 })).series[0];
    expect(full.total).toBe(N);
    expect(full.segments.map((s) => s.seg)).toEqual([0, 1]);
    expect(full.segments.reduce((a, s) => a + s.x.length, 0)).toBeLessThanOrEqual(2000);
    expect(full.segments[0].y).toContain(1e6); // the one-point spike survives a 500× reduction
    expect(full.segments[0].x[full.segments[0].y.indexOf(1e6)]).toBe(SPIKE_STEP); // at its own step
    expect(full.nonFinite).toHaveLength(50);

    const cases = [
      { maxPoints: 2000 },
      { maxPoints: 2000, range: { min: 100_000, max: 650_000 } },
      { maxPoints: 2000, range: { min: SPIKE_STEP - 3000, max: SPIKE_STEP + 3001 } },
      { maxPoints: 500, range: { min: 399_990, max: 400_077 } },
      { maxPoints: 20_000, range: { min: 0, max: 999_999 } },
    ];
    for (const c of cases) {
      const stats = newReadStats();
      const q = { runIds: [runId], tags: ['train/loss'], x: 'step' as const, ...c };
      const [got] = querySeries(h.sqlite, q, { stats });
      const chunks = new Map(stats.plans.map((p) => [p.seg, p.chunk]));
      const want = reference(pts, (s) => s, q, (seg) => chunks.get(seg)!);
      expect({ segments: got.segments, nonFinite: got.nonFinite, total: got.total }).toEqual(want);
      const perChunk = stats.plans.every((p) => p.level > 0) ? FANOUT : BASE;
      expect(stats.rows).toBeLessThanOrEqual(perChunk * (c.maxPoints / 2) + 8 * (FANOUT * LEVELS + BASE) + 1000);
    }
    // the wall-time axis from the buckets' own wall times
    const wall = (await api.metrics.series({ runIds: [runId], tags: ['train/loss'], x: 'wall', maxPoints: 2000 })).series[0];
    expect(wall.total).toBe(N);
    expect(wall.segments[0].y).toContain(1e6);
  });

  it('the file replaced by a shorter one: summaries follow', async () => {
    writeEvents(file, 300_000);
    const summary = ingestPaths(new Store(h), [path.join(tmp, 'tb')]);
    const runId = summary.runs[0].id;
    const pts = rawPoints(h, runId, 'train/loss');
    expect(pts).toHaveLength(300_000);
    const stats = newReadStats();
    const q = { runIds: [runId], tags: ['train/loss'], x: 'step' as const, maxPoints: 2000 };
    const [got] = querySeries(h.sqlite, q, { stats });
    const chunks = new Map(stats.plans.map((p) => [p.seg, p.chunk]));
    expect({ segments: got.segments, nonFinite: got.nonFinite, total: got.total }).toEqual(reference(pts, (s) => s, q, (seg) => chunks.get(seg)!));
    expect(got.segments.map((s) => s.seg)).toEqual([0]);
  });
});
