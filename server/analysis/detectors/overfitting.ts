// Overfitting (docs/diagnosis.md §Overfitting; Prechelt's generalisation loss, read as people read
// real curves): the validation signal reached its best and has not beaten it since, for ≥ 5
// validations and ≥ 25% of them, while the training loss kept improving over the same steps by ≥ 10%
// (Mann–Kendall z ≤ −2). Real runs show both shapes: validation climbing steadily (0.52 → 0.59), or
// flat-and-noisy after its best while training keeps falling (LaMa: GL noisy, dipping below 5%).
// The validation signal is the loss (LaMa: val_gen_l1); its end level (median of the last 3) must be
// ≥ 5% above the best — Prechelt's GL5, on a smoothed end so one noisy validation neither makes nor
// breaks it (real overfitting runs: 6.6–33%; a run memorising 8 look-alike faces that hovers 0–4% above
// its best is stuck, not overfitting).
import { median } from '../robust';
import type { AnalysisInput, Finding, PreparedSeries, Signal } from '../types';
import { fmtNum, pct } from '../format';
import { blockCurve, epochAt, errorCurve, pickSignals, relChange, trendZ } from '../signals';
import { trainChange } from './plateau';

export const OVERFITTING = {
  minAfterBest: 5,
  shareAfterBest: 0.25,
  /** end level (median of the last 3 validations) above the best by at least (Prechelt's GL5) */
  endGap: 0.05,
  /** training loss improvement over the same steps */
  trainGain: 0.1,
  trainZ: -2,
  minValidations: 8,
};

interface Best {
  idx: number;
  step: number;
  value: number;
  after: number;
  endGap: number;
}

export function bestOf(s: PreparedSeries): Best | null {
  const c = errorCurve(s);
  const n = c.y.length;
  if (n < OVERFITTING.minValidations) return null;
  let b = 0;
  for (let i = 1; i < n; i++) if (c.y[i] < c.y[b]) b = i;
  const endLevel = median(Float64Array.from(c.y.slice(Math.max(0, n - 3))));
  return { idx: b, step: c.steps[b], value: c.y[b], after: n - 1 - b, endGap: relChange(c.y[b], endLevel) };
}

/** The checkpoint-facing value of the signal (SSIM as SSIM, not its error). */
const shown = (s: PreparedSeries, errValue: number): number => (s.info.direction === 'min' ? errValue : errValue <= 1 && errValue >= 0 && /ssim|acc|f1|iou|dice|auc/.test(s.info.base) ? 1 - errValue : -errValue);

export function detectOverfitting(input: AnalysisInput): Finding[] {
  const sig = pickSignals(input);
  const v = sig.val;
  const t = sig.train;
  if (!v || !t) return [];
  const best = bestOf(v);
  if (!best) return [];
  const n = best.idx + best.after + 1;
  const enough = best.after >= OVERFITTING.minAfterBest && best.after >= OVERFITTING.shareAfterBest * n;
  const signals: Signal[] = [
    { signal: `validations since ${v.tag}'s best`, value: best.after, threshold: `≥ ${OVERFITTING.minAfterBest} and ≥ ${pct(OVERFITTING.shareAfterBest, 0)} of ${n}`, step: best.step, fired: enough },
    { signal: `${v.tag} at the end vs its best`, value: pct(best.endGap), threshold: `≥ +${pct(OVERFITTING.endGap, 0)}`, step: best.step, fired: best.endGap >= OVERFITTING.endGap },
  ];
  if (!enough) return [];
  const change = trainChange(t, best.step);
  const tz = trendZ(blockCurve(t, best.step).y);
  signals.push({ signal: `${t.tag} change since step ${best.step}`, value: change === null ? 'too few points' : pct(change), threshold: `≤ −${pct(OVERFITTING.trainGain, 0)}`, step: best.step, fired: change !== null && change <= -OVERFITTING.trainGain });
  signals.push({ signal: `${t.tag} trend since step ${best.step} (Mann–Kendall z)`, value: tz, threshold: `≤ ${OVERFITTING.trainZ}`, step: best.step, fired: tz <= OVERFITTING.trainZ });
  // supporting: other validation metrics whose best is also behind (LaMa: SSIM, LPIPS)
  const agreeing = sig.valOthers.filter((s) => {
    const b = bestOf(s);
    return b !== null && b.after >= OVERFITTING.minAfterBest;
  });
  if (agreeing.length) signals.push({ signal: 'other validation metrics past their best', value: agreeing.map((s) => s.tag).join(', '), threshold: 'supporting', step: null, fired: true });
  if (!signals.slice(0, 4).every((s) => s.fired)) return [];
  const ep = input.budget.epochSteps;
  const epoch = epochAt(input.run, best.step) ?? (ep ? Math.max(0, Math.floor((best.step + 1) / ep) - 1) : null);
  const ckpt = epoch !== null ? `epoch=${epoch}-step=${best.step}` : `step ${best.step}`;
  const endShown = shown(v, best.value * (1 + best.endGap));
  return [
    {
      kind: 'overfitting',
      severity: 'warning',
      metrics: [v.tag, ...agreeing.map((s) => s.tag), t.tag],
      startStep: best.step,
      endStep: input.budget.lastStep,
      summary: `${v.tag} was best at step ${best.step} (${fmtNum(shown(v, best.value), 4)}) and is ${fmtNum(endShown, 4)} now, ${best.after} validations later, while ${t.tag} kept falling ${pct(-(change ?? 0), 0)}: overfitting since step ${best.step} — the best checkpoint is ${ckpt}.`,
      evidence: { bestStep: best.step, validationsSinceBest: best.after, checkpoint: ckpt, signals, thresholds: { ...OVERFITTING } },
      suggestions: [],
    },
  ];
}
