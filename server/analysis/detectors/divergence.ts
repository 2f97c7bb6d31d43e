// Divergence (docs/diagnosis.md §Divergence): a training loss turned NaN/Inf after finite values (D1),
// or its smoothed level exploded to ≥ 10× its running minimum and never came back below 3× (D2). Only training
// losses count: a validation loss that climbs while training improves is overfitting, and unscaled
// regression targets (1e8–1e12 losses) are large without diverging, so no absolute bound is used.
// An explosion must also end ≥ 2× above the run's starting level. The onset is where the excursion began: the last time the smoothed level was below 2× the minimum.
import { median } from '../robust';
import type { AnalysisInput, Finding, PreparedSeries, Signal } from '../types';
import { fmtNum } from '../format';

export const DIVERGENCE = {
  /** smoothed level ≥ this × running minimum … */
  explosionFactor: 10,
  /** … on this many consecutive smoothed blocks (or up to the end of the run) */
  sustainBlocks: 3,
  /** the excursion starts where the level last sat below this × the running minimum */
  onsetFactor: 2,
  /** an excursion that falls back below this × the minimum later is not a divergence */
  recoveredFactor: 3,
  /** … and ≥ this × the level the run started at */
  aboveStart: 2,
};

interface Hit {
  tag: string;
  rule: 'D1' | 'D2';
  onset: number;
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

function scan(s: PreparedSeries): Hit | null {
  const { step, y } = smoothedBlocks(s);
  const n = y.length;
  const runMin = new Float64Array(n);
  let m = Infinity;
  for (let i = 0; i < n; i++) {
    if (Number.isFinite(y[i]) && y[i] < m) m = y[i];
    runMin[i] = m;
  }
  const at = (i: number) => runMin[i];
  if (s.firstNonFinite) {
    // the first non-finite value after finite ones (a tag that is NaN from its first point is not a divergence)
    let finiteBefore = false;
    for (let i = 0; i < s.steps.length && s.steps[i] < s.firstNonFinite.step; i++) if (Number.isFinite(s.values[i])) finiteBefore = true;
    if (finiteBefore) {
      const k = Math.max(0, step.findIndex((st) => st >= s.firstNonFinite!.step));
      // when the level was already climbing before the NaN, the divergence started where that began
      const lastFinite = k > 0 ? y[k - 1] : NaN;
      const climbing = Number.isFinite(lastFinite) && runMin[Math.max(0, k - 1)] > 0 && lastFinite > DIVERGENCE.onsetFactor * runMin[Math.max(0, k - 1)];
      const onset = climbing ? onsetOf(step, y, k - 1, at) : s.firstNonFinite.step;
      return {
        tag: s.tag,
        rule: 'D1',
        onset: Math.min(onset, s.firstNonFinite.step),
        alarm: s.firstNonFinite.step,
        signal: { signal: `${s.tag} non-finite`, value: String(s.firstNonFinite.value), threshold: 'finite', step: s.firstNonFinite.step, fired: true },
      };
    }
  }
  // an explosion also ends well above where the run started (≥ 2×): a loss converging towards 0 has
  // large relative noise (0.0003 → 0.003), and a bimodal per-batch loss (0.05 or 3, by batch) has
  // stretches of low medians, without diverging
  const start = median(s.blocks.med, 0, Math.max(1, Math.ceil(n / 20)));
  let streak = 0;
  for (let i = 1; i < n; i++) {
    const ok = runMin[i - 1] > 0 && Number.isFinite(y[i]) && y[i] >= DIVERGENCE.explosionFactor * runMin[i - 1] && y[i] >= DIVERGENCE.aboveStart * start;
    streak = ok ? streak + 1 : 0;
    if (streak >= DIVERGENCE.sustainBlocks || (ok && i === n - 1)) {
      const alarmIdx = i - streak + 1;
      // it stayed up: a level that comes back near its minimum later was an unstable stretch, not a
      // divergence (a finite divergence never recovers by itself)
      let recovered = false;
      for (let j = i + 1; j < n && !recovered; j++) if (y[j] < DIVERGENCE.recoveredFactor * runMin[i - 1]) recovered = true;
      if (recovered) {
        streak = 0;
        continue;
      }
      return {
        tag: s.tag,
        rule: 'D2',
        onset: onsetOf(step, y, alarmIdx, at),
        alarm: step[alarmIdx],
        signal: {
          signal: `${s.tag} level ÷ its running minimum`,
          value: y[i] / runMin[i - 1],
          threshold: `≥ ${DIVERGENCE.explosionFactor}× for ${DIVERGENCE.sustainBlocks} blocks`,
          step: step[alarmIdx],
          fired: true,
        },
      };
    }
  }
  return null;
}

export function detectDivergence(input: AnalysisInput): Finding[] {
  const hits: Hit[] = [];
  for (const s of input.train) {
    if (!ROLES.has(s.info.role)) continue;
    const h = scan(s);
    if (h) hits.push(h);
  }
  // a validation loss that turned NaN is divergence too (the weights are NaN), not a worsening
  for (const s of input.val) {
    if (s.info.role !== 'val_loss' || !s.firstNonFinite) continue;
    const h = scan(s);
    if (h && h.rule === 'D1') hits.push(h);
  }
  if (!hits.length) return [];
  hits.sort((a, b) => a.alarm - b.alarm);
  const first = hits[0];
  let onset = first.onset;
  for (const h of hits) if (h.onset < onset) onset = h.onset;
  const nonFinite = hits.filter((h) => h.rule === 'D1');
  const what =
    first.rule === 'D1'
      ? `${first.tag} became ${first.signal.value} at step ${first.alarm}`
      : `${first.tag} rose to ${fmtNum(Number(first.signal.value), 3)}× its lowest level by step ${first.alarm}`;
  return [
    {
      kind: 'divergence',
      severity: 'critical',
      metrics: [...new Set(hits.map((h) => h.tag))],
      startStep: onset,
      endStep: input.budget.lastStep,
      summary: `Training diverged: ${what}; the climb began at step ${onset}${nonFinite.length > 1 ? ` (${nonFinite.length} tags hold NaN/Inf)` : ''}.`,
      evidence: {
        rule: first.rule,
        alarmStep: first.alarm,
        onsetStep: onset,
        signals: hits.map((h) => h.signal),
        thresholds: { ...DIVERGENCE },
      },
      suggestions: [],
    },
  ];
}
