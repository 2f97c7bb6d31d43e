// The metrics.series answer computed from raw points only (no summaries): what the summarised read must equal.
// The chunk size per segment is the read's plan (a choice, checked separately); everything else follows
// from the points: per aligned chunk of ordinals its min and max at their own x (earliest on ties), the
// range's first and last points, and the first 1000 NaN/Inf markers in order.
import type { DbHandle } from '../../server/db/open';
import { iteratePoints } from '../../server/db/points';
import type { SeriesOut, SeriesQuery } from '../../server/db/series';

export interface RawPt {
  seg: number;
  step: number;
  wall: number | null;
  value: number;
}

export type XOf = (step: number, wall: number | null) => number | null;

/** The expected answer, from raw points only; the chunk size per segment is the plan the read chose. */
export function reference(pts: RawPt[], xOf: XOf, q: SeriesQuery, chunkOf: (seg: number) => number): Omit<SeriesOut, 'runId' | 'tag' | 'x'> {
  const bySeg = new Map<number, { ord: number; x: number; p: RawPt }[]>();
  const ords = new Map<number, number>();
  for (const p of pts) {
    const ord = ords.get(p.seg) ?? 0;
    ords.set(p.seg, ord + 1);
    const x = xOf(p.step, p.wall);
    if (x === null || (q.range && (x < q.range.min || x > q.range.max))) continue;
    let list = bySeg.get(p.seg);
    if (!list) bySeg.set(p.seg, (list = []));
    list.push({ ord, x, p });
  }
  const total = [...bySeg.values()].reduce((a, l) => a + l.length, 0);
  const segments: SeriesOut['segments'] = [];
  const nonFinite: SeriesOut['nonFinite'] = [];
  for (const [seg, list] of [...bySeg].sort((a, b) => a[0] - b[0])) {
    const xs: number[] = [];
    const ys: number[] = [];
    const push = (x: number, y: number) => {
      if (!Number.isFinite(y)) return;
      if (xs.length && xs[xs.length - 1] === x && ys[ys.length - 1] === y) return;
      xs.push(x);
      ys.push(y);
    };
    if (total <= q.maxPoints) {
      for (const e of list) push(e.x, e.p.value);
    } else {
      const c = chunkOf(seg);
      push(list[0].x, list[0].p.value);
      for (let i = 0; i < list.length; ) {
        const k = Math.floor(list[i].ord / c);
        let lo: (typeof list)[number] | null = null;
        let hi: (typeof list)[number] | null = null;
        for (; i < list.length && Math.floor(list[i].ord / c) === k; i++) {
          const e = list[i];
          if (!Number.isFinite(e.p.value)) continue;
          if (!lo || e.p.value < lo.p.value) lo = e;
          if (!hi || e.p.value > hi.p.value) hi = e;
        }
        if (!lo || !hi) continue;
        const [a, b] = hi.x < lo.x ? [hi, lo] : [lo, hi];
        push(a.x, a.p.value);
        push(b.x, b.p.value);
      }
      push(list[list.length - 1].x, list[list.length - 1].p.value);
    }
    if (xs.length) segments.push({ seg, x: xs, y: ys });
    for (const e of list) {
      if (nonFinite.length < 1000 && !Number.isFinite(e.p.value)) {
        nonFinite.push({ x: e.x, value: Number.isNaN(e.p.value) ? 'NaN' : e.p.value > 0 ? 'Infinity' : '-Infinity' });
      }
    }
  }
  return { segments, nonFinite, total };
}

export function rawPoints(h: DbHandle, runId: number, tag: string): RawPt[] {
  return [...iteratePoints(h.sqlite, runId, [tag])].map((p) => ({ seg: p.seg, step: p.step, wall: p.wallTime, value: p.value }));
}

