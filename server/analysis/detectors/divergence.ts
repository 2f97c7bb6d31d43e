// Divergence (rules §5.1): D1 non-finite values; D2 explosion — a 3-block rolling median above 10× the
// running minimum (or |x| > 1e5, AUTOTRAINER's bound); D3 sustained multiplicative growth — a window whose
// level at least doubled over the running minimum (×3 next to a schedule event) and grew ≥ 1.5× within the
// window, with a Mann–Kendall increase of log x (z > 3), in 2 consecutive windows. Always critical.
import { argMin, mannKendall, median } from '../robust';
import { overlapsEvent } from '../scheduleEvents';
import type { AnalysisInput, Finding, PreparedSeries } from '../types';
import { fmtNum } from '../format';

export const DIVERGENCE = {
  explosionFactor: 10,
  absoluteBound: 1e5,
  growthFactor: 2,
  growthFactorNearEvent: 3,
  growthWindows: [10, 20, 40, 80],
  mkZ: 3,
};

interface Hit {
  tag: string;
  rule: 'D1' | 'D2' | 'D3';
  /** where the divergence started (last low point before it, or first non-finite) */
  onset: number;
  /** first step at which the rule held */
  alarm: number;
  detail: Record<string, unknown>;
}

/** 3-point rolling median of block medians (a single outlier block cannot trigger anything). */
function rm3(x: Float64Array): Float64Array {
  const n = x.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = median(x, Math.max(0, i - 1), Math.min(n, i + 2));
  return out;
}

/**
 * Where the growth began: the knot of a continuous two-piece linear fit of log x (slope before, a
 * steeper slope after), searched around the low point of the last `maxBack` blocks before the alarm.
 */
export function growthOnset(x: ArrayLike<number>, alarmIdx: number, maxBack = 240): number {
  const sm = rm3(Float64Array.from({ length: Math.min(x.length, alarmIdx + 1) }, (_, i) => x[i]));
  const from = Math.max(0, alarmIdx - maxBack);
  const low = Math.max(from, argMin(sm, from, Math.max(from + 1, alarmIdx)));
  const lo = Math.max(from, low - Math.max(20, 2 * (alarmIdx - low)));
  const hi = alarmIdx;
  const idx: number[] = [];
  const y: number[] = [];
  for (let i = lo; i <= hi; i++) if (Number.isFinite(sm[i]) && sm[i] > 0) {
    idx.push(i);
    y.push(Math.log(sm[i]));
  }
  if (idx.length < 6) return low;
  let best = low;
  let bestSse = Infinity;
  for (let c = idx[2]; c <= idx[idx.length - 3]; c++) {
    // least squares for y = a + b1·min(0, i−c) + b2·max(0, i−c)
    let s11 = 0, s12 = 0, s22 = 0, s1 = 0, s2 = 0, sy = 0, s1y = 0, s2y = 0;
    const n = idx.length;
    for (let k = 0; k < n; k++) {
      const u = Math.min(0, idx[k] - c);
      const v = Math.max(0, idx[k] - c);
      s11 += u * u; s12 += u * v; s22 += v * v; s1 += u; s2 += v; sy += y[k]; s1y += u * y[k]; s2y += v * y[k];
    }
    // normal equations (3×3) by Cramer's rule
    const A = [
      [n, s1, s2],
      [s1, s11, s12],
      [s2, s12, s22],
    ];
    const B = [sy, s1y, s2y];
    const det = (m: number[][]) => m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
    const D = det(A);
    if (Math.abs(D) < 1e-12) continue;
    const col = (j: number) => A.map((row, r) => row.map((v, cI) => (cI === j ? B[r] : v)));
    const a = det(col(0)) / D;
    const b1 = det(col(1)) / D;
    const b2 = det(col(2)) / D;
    if (!(b2 > 0 && b2 > b1)) continue;
    let sse = 0;
    for (let k = 0; k < n; k++) {
      const r = y[k] - a - b1 * Math.min(0, idx[k] - c) - b2 * Math.max(0, idx[k] - c);
      sse += r * r;
    }
    if (sse < bestSse) {
      bestSse = sse;
      best = c;
    }
  }
  return best;
}

function onsetBefore(s: PreparedSeries, _smooth: Float64Array, idx: number): number {
  return s.blocks.step[growthOnset(s.blocks.med, idx)];
}

function scanSeries(s: PreparedSeries, input: AnalysisInput): Hit | null {
  const { blocks } = s;
  const n = blocks.n;
  const x = blocks.med;
  const hits: Hit[] = [];
  if (s.firstNonFinite) {
    const i = blocks.step.findIndex((st) => st >= s.firstNonFinite!.step);
    const sm = rm3(x);
    // if the loss was already growing, the divergence started where that growth began
    const k = Math.max(0, i);
    const low = argMin(sm, 0, Math.max(1, k));
    const lowVal = low >= 0 ? sm[low] : NaN;
    const lastFinite = median(x, Math.max(0, k - 3), k);
    const grew = Number.isFinite(lastFinite) && Number.isFinite(lowVal) && lastFinite > 2 * Math.abs(lowVal) && s.info.role === 'sup';
    const onset = grew ? blocks.step[growthOnset(x, Math.max(1, k - 1))] : s.firstNonFinite.step;
    hits.push({
      tag: s.tag,
      rule: 'D1',
      onset: Math.min(onset, s.firstNonFinite.step),
      alarm: s.firstNonFinite.step,
      detail: { firstNonFiniteStep: s.firstNonFinite.step, value: String(s.firstNonFinite.value) },
    });
  }
  if (n >= 3) {
    const sm = rm3(x);
    // absolute bound, any role
    for (let i = 1; i < n; i++) {
      if (Math.abs(sm[i]) > DIVERGENCE.absoluteBound && Math.abs(sm[i - 1]) > DIVERGENCE.absoluteBound) {
        hits.push({ tag: s.tag, rule: 'D2', onset: onsetBefore(s, sm, i), alarm: blocks.step[i], detail: { value: sm[i], bound: DIVERGENCE.absoluteBound } });
        break;
      }
    }
    if (s.info.role === 'sup' || s.info.role === 'val_loss') {
      // D2: explosion relative to the running minimum, held on 2 consecutive blocks
      let runMin = Infinity;
      let prev = false;
      for (let i = 0; i < n; i++) {
        const v = sm[i];
        if (!Number.isFinite(v)) continue;
        const cond = runMin > 0 && runMin < Infinity && v > DIVERGENCE.explosionFactor * runMin;
        if (cond && (prev || s.info.role === 'val_loss')) {
          hits.push({
            tag: s.tag,
            rule: 'D2',
            onset: onsetBefore(s, sm, i),
            alarm: blocks.step[i],
            detail: { level: v, runningMin: runMin, ratio: v / runMin, threshold: DIVERGENCE.explosionFactor },
          });
          break;
        }
        prev = cond;
        if (!cond) runMin = Math.min(runMin, v);
      }
      // D3: sustained growth (train losses only: validation has too few points)
      if (s.info.role === 'sup') {
        const warmIdx = blocks.step.findIndex((st) => st >= input.budget.warmEnd);
        const prefixMin = new Float64Array(n);
        let m = Infinity;
        for (let i = 0; i < n; i++) {
          if (Number.isFinite(sm[i])) m = Math.min(m, sm[i]);
          prefixMin[i] = m;
        }
        let found: Hit | null = null;
        for (const W of DIVERGENCE.growthWindows) {
          if (found) break;
          if (n < W + 2) continue;
          const q = Math.max(2, Math.floor(W / 4));
          let streak = 0;
          for (let end = Math.max(W, warmIdx + W); end <= n; end += q) {
            const start = end - W;
            const startLevel = median(x, start, start + q);
            const endLevel = median(x, end - q, end);
            const refMin = prefixMin[Math.max(0, start - 1)];
            const nearEvent = overlapsEvent(input.events, blocks.step[start], blocks.step[end - 1]);
            const factor = nearEvent ? DIVERGENCE.growthFactorNearEvent : DIVERGENCE.growthFactor;
            let ok = refMin > 0 && endLevel > factor * refMin && endLevel > 1.5 * startLevel;
            let z = NaN;
            if (ok) {
              // on log values: multiplicative growth is a straight line there, so the AR(1)
              // correction sees the noise, not the curvature of an exponential
              z = mannKendall(Float64Array.from(x.subarray(start, end), (v) => (v > 0 ? Math.log(v) : NaN))).z;
              ok = z > DIVERGENCE.mkZ;
            }
            streak = ok ? streak + 1 : 0;
            const atEnd = ok && end + q > n;
            if (streak >= 2 || atEnd) {
              found = {
                tag: s.tag,
                rule: 'D3',
                onset: onsetBefore(s, sm, end - 1),
                alarm: blocks.step[end - 1],
                detail: {
                  windowBlocks: W,
                  windowSteps: [blocks.step[start], blocks.step[end - 1]],
                  levelStart: startLevel,
                  levelEnd: endLevel,
                  runningMin: refMin,
                  growth: endLevel / refMin,
                  growthThreshold: factor,
                  mannKendallZ: z,
                  zThreshold: DIVERGENCE.mkZ,
                },
              };
              break;
            }
          }
        }
        if (found) hits.push(found);
      }
    }
  }
  if (!hits.length) return null;
  hits.sort((a, b) => a.alarm - b.alarm);
  return hits[0];
}

export function detectDivergence(input: AnalysisInput): Finding[] {
  const hits: Hit[] = [];
  for (const s of [...input.train, ...input.val]) {
    if (s.info.role === 'ignore') continue;
    const h = scanSeries(s, input);
    if (h) hits.push(h);
  }
  if (!hits.length) return [];
  hits.sort((a, b) => a.alarm - b.alarm);
  const first = hits[0];
  const onset = Math.min(...hits.map((h) => h.onset));
  const nonFinite = hits.filter((h) => h.rule === 'D1');
  const what =
    first.rule === 'D1'
      ? `${first.tag} became ${first.detail.value} at step ${first.alarm}`
      : first.rule === 'D2'
        ? `${first.tag} exploded to ${fmtNum(Number(first.detail.level ?? first.detail.value))} (${first.detail.ratio ? `${fmtNum(Number(first.detail.ratio), 2)}× its running minimum` : `above ${fmtNum(DIVERGENCE.absoluteBound)}`}) by step ${first.alarm}`
        : `${first.tag} grew ${fmtNum(Number(first.detail.growth), 2)}× above its running minimum (Mann–Kendall z = ${fmtNum(Number(first.detail.mannKendallZ), 3)}) by step ${first.alarm}`;
  return [
    {
      kind: 'divergence',
      severity: 'critical',
      metrics: [...new Set(hits.map((h) => h.tag))],
      startStep: onset,
      endStep: input.budget.lastStep,
      summary: `Training diverged: ${what}, starting from the low point at step ${onset}${nonFinite.length > 1 ? `; ${nonFinite.length} tags hold NaN/Inf` : ''}.`,
      evidence: {
        rule: first.rule,
        alarmStep: first.alarm,
        onsetStep: onset,
        hits: hits.map((h) => ({ tag: h.tag, rule: h.rule, onsetStep: h.onset, alarmStep: h.alarm, ...h.detail })),
        thresholds: {
          explosionFactor: DIVERGENCE.explosionFactor,
          absoluteBound: DIVERGENCE.absoluteBound,
          growthFactor: DIVERGENCE.growthFactor,
          mannKendallZ: DIVERGENCE.mkZ,
        },
      },
      suggestions: [],
    },
  ];
}
