// Divergence (docs/diagnosis.md §Divergence): a training loss turned NaN/Inf after finite values (D1),
// or its smoothed level exploded to ≥ 10× its early level (the median of the first 10% of the run) and
// stayed there to the end (D2). Only training losses count: a validation loss that climbs while training
// improves is overfitting, and unscaled regression targets (1e8–1e12 losses) are large without diverging,
// so no absolute bound is used. Measuring against the early level (not the lowest point) means a run that
// blew up in its first steps, with no healthy level to leave, is described by the other detectors.
// startStep = where the loss went above 10× its early level for good (or the first NaN, if earlier);
// evidence.climbStart = where the climb began (the last time the level sat below 2× its running minimum):
// the suggestions take their LRs from before that step.
import { median } from '../robust';
import type { AnalysisInput, Finding, PreparedSeries, Signal } from '../types';
import { fmtNum } from '../format';

export const DIVERGENCE = {
  /** smoothed level ≥ this × the early level, from some block to the end of the run … */
  explosionFactor: 10,
  /** … over at least this many smoothed blocks (or the last block, live) */
  sustainBlocks: 3,
  /** the early level: median of the block medians in this first share of the run */
  earlyShare: 0.1,
  /** the climb began where the level last sat below this × its running minimum */
  onsetFactor: 2,
};

interface Hit {
  tag: string;
  rule: 'D1' | 'D2';
  /** above 10× the early level for good from here (or the first NaN) */
  onset: number;
  /** where the climb began */
  climb: number;
  alarm: number;
  signal: Signal;
}

/** Roles whose explosion is divergence: training losses (supervised and LaMa's adversarial pair). */
const ROLES = new Set(['sup', 'gen_adv', 'disc_adv']);

/**
 * Smoothed block medians: a running median over ~1/40 of the run (≥ 5 blocks), so single-batch spikes
 * of a noisy loss (0.01 … 16 from one step to the next) never look like a level.
 */
function smoothedBlocks(s: PreparedSeries): { step: Float64Array; y: Float64Array } {
  const b = s.blocks;
  const h = Math.max(2, Math.floor(b.n / 80));
  const y = new Float64Array(b.n);
  for (let i = 0; i < b.n; i++) y[i] = median(b.med, Math.max(0, i - h), Math.min(b.n, i + h + 1));
  return { step: b.step, y };
}

function onsetOf(step: Float64Array, y: Float64Array, alarmIdx: number, runMinAt: (i: number) => number): number {
  let i = alarmIdx;
  while (i > 0 && !(y[i - 1] <= DIVERGENCE.onsetFactor * runMinAt(i - 1))) i--;
  return step[Math.max(0, i - 1)];
}

/** Median of the finite block medians in the first earlyShare of the run. */
function earlyLevel(s: PreparedSeries, firstStep: number, lastStep: number): number {
  const until = firstStep + DIVERGENCE.earlyShare * Math.max(1, lastStep - firstStep);
  const xs: number[] = [];
  for (let i = 0; i < s.blocks.n && s.blocks.step[i] <= until; i++) if (Number.isFinite(s.blocks.med[i])) xs.push(s.blocks.med[i]);
  return xs.length ? median(Float64Array.from(xs)) : NaN;
}

/** First index of the stretch ending at `end` (inclusive) whose level stays ≥ bound (non-finite counts as above). */
function stretchStart(y: Float64Array, end: number, bound: number): number | null {
  if (end < 0 || (Number.isFinite(y[end]) && !(y[end] >= bound))) return null;
  let i = end;
  while (i > 0 && (!Number.isFinite(y[i - 1]) || y[i - 1] >= bound)) i--;
  return i;
}

function scan(s: PreparedSeries, firstStep: number, lastStep: number): Hit | null {
  const { step, y } = smoothedBlocks(s);
  const n = y.length;
  const runMin = new Float64Array(n);
  let m = Infinity;
  for (let i = 0; i < n; i++) {
    if (Number.isFinite(y[i]) && y[i] < m) m = y[i];
    runMin[i] = m;
  }
  const at = (i: number) => runMin[i];
  const early = earlyLevel(s, firstStep, lastStep);
  const bound = DIVERGENCE.explosionFactor * early;
  if (s.firstNonFinite) {
    // the first non-finite value after finite ones (a tag that is NaN from its first point is not a divergence)
    let finiteBefore = false;
    for (let i = 0; i < s.steps.length && s.steps[i] < s.firstNonFinite.step; i++) if (Number.isFinite(s.values[i])) finiteBefore = true;
    if (finiteBefore) {
      const k = Math.max(0, step.findIndex((st) => st >= s.firstNonFinite!.step));
      // an explosion that led into the NaN counts from where it went above 10× the early level
      const st = early > 0 && k > 0 ? stretchStart(y, k - 1, bound) : null;
      const onset = Math.min(st !== null ? step[st] : Infinity, s.firstNonFinite.step);
      const lastFinite = k > 0 ? y[k - 1] : NaN;
      const climbing = Number.isFinite(lastFinite) && runMin[Math.max(0, k - 1)] > 0 && lastFinite > DIVERGENCE.onsetFactor * runMin[Math.max(0, k - 1)];
      const climb = climbing ? onsetOf(step, y, k - 1, at) : onset;
      return {
        tag: s.tag,
        rule: 'D1',
        onset,
        climb: Math.min(climb, onset),
        alarm: s.firstNonFinite.step,
        signal: { signal: `${s.tag} non-finite`, value: String(s.firstNonFinite.value), threshold: 'finite', step: s.firstNonFinite.step, fired: true },
      };
    }
  }
  if (!(early > 0) || n < 2) return null;
  // above 10× the early level from some block to the end, over ≥ sustainBlocks blocks (live: the
  // last block is enough — the run is exploding now)
  const st = stretchStart(y, n - 1, bound);
  if (st === null || st === 0) return null;
  if (n - st < DIVERGENCE.sustainBlocks && st !== n - 1) return null;
  let peak = 0;
  for (let i = st; i < n; i++) if (Number.isFinite(y[i]) && y[i] > peak) peak = y[i];
  return {
    tag: s.tag,
    rule: 'D2',
    onset: step[st],
    climb: Math.min(onsetOf(step, y, st, at), step[st]),
    alarm: step[Math.min(n - 1, st + DIVERGENCE.sustainBlocks - 1)],
    signal: {
      signal: `${s.tag} level ÷ its early level (median of the first ${Math.round(DIVERGENCE.earlyShare * 100)}% of the run, ${fmtNum(early, 3)})`,
      value: peak / early,
      threshold: `≥ ${DIVERGENCE.explosionFactor}× from step ${step[st]} to the end`,
      step: step[st],
      fired: true,
    },
  };
}

export function detectDivergence(input: AnalysisInput): Finding[] {
  const hits: Hit[] = [];
  for (const s of input.train) {
    if (!ROLES.has(s.info.role)) continue;
    const h = scan(s, input.budget.firstStep, input.budget.lastStep);
    if (h) hits.push(h);
  }
  // a validation loss that turned NaN is divergence too (the weights are NaN), not a worsening
  for (const s of input.val) {
    if (s.info.role !== 'val_loss' || !s.firstNonFinite) continue;
    const h = scan(s, input.budget.firstStep, input.budget.lastStep);
    if (h && h.rule === 'D1') hits.push(h);
  }
  if (!hits.length) return [];
  hits.sort((a, b) => a.alarm - b.alarm);
  const first = hits[0];
  let onset = first.onset;
  let climb = first.climb;
  for (const h of hits) {
    if (h.onset < onset) onset = h.onset;
    if (h.climb < climb) climb = h.climb;
  }
  const nonFinite = hits.filter((h) => h.rule === 'D1');
  const what =
    first.rule === 'D1'
      ? `${first.tag} became ${first.signal.value} at step ${first.alarm}`
      : `${first.tag} rose above ${DIVERGENCE.explosionFactor}× its early level at step ${first.onset} and never came back (peak ${fmtNum(Number(first.signal.value), 3)}×)`;
  return [
    {
      kind: 'divergence',
      severity: 'critical',
      metrics: [...new Set(hits.map((h) => h.tag))],
      startStep: onset,
      endStep: input.budget.lastStep,
      summary: `Training diverged: ${what}${climb < onset ? `; the climb began at step ${climb}` : ''}${nonFinite.length > 1 ? ` (${nonFinite.length} tags hold NaN/Inf)` : ''}.`,
      evidence: {
        rule: first.rule,
        alarmStep: first.alarm,
        onsetStep: onset,
        climbStart: climb,
        signals: hits.map((h) => h.signal),
        thresholds: { ...DIVERGENCE },
      },
      suggestions: [],
    },
  ];
}
