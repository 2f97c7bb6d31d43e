// Slow convergence (rules §5.6): still improving, but so slowly that the budget will not buy a
// meaningful gain. Judged from 30% of the planned steps on (AUTOTRAINER's judgment point), on the
// stretch since warm-up (or since the last LR drop / restart):
//   S3 shape: the training losses are still falling about linearly — (gain of the last third / gain of
//      the first third, interquartile means) in [0.62, 1.6] both as the median over the supervised losses
//      and for their average after normalising each by its median (when aligned) (a
//      healthy curve decelerates; an accelerating one is shaped by something else);
//   S1 (when validations exist): the largest per-validation improvement of the monitor (or SSIM; 3-point
//      running median, so jitter is not progress) is below δ = 1% of its level — or, when each validation
//      interval spans more than 5% of the budget, below δ scaled by (interval / 5%) up to 2.5× provided
//      every training loss is clearly linear (≥ 0.7);
// and, with ≥ 6 validations, the monitor's own last-third / first-third gain ratio ≥ 0.4 (not clearly
// decelerating); and the run is still improving: a significant decrease of the training losses over the last half
// (MK z < −2.33 on at least half of them) or of the validation monitor (MK z < −1.64). Without
// validation data S3 must be clearly linear (≥ 0.75) and fit a line with R² > 0.9. The stretch judged
// must cover ≥ 25% of the planned steps.
import { mannKendall, median, ols, runningMedian } from '../robust';
import { regimeChangeSteps } from '../scheduleEvents';
import type { AnalysisInput, Finding, PreparedSeries } from '../types';
import { fmtNum, pct } from '../format';

export const SLOW = {
  judgeFrac: 0.3,
  minBlocks: 60,
  /** the stretch judged (since warm-up or the last LR change) covers ≥ 25% of the planned steps */
  minStretchFrac: 0.25,
  /** without validation data the shape alone must be clearly linear */
  linearityNoVal: 0.75,
  linearity: 0.62,
  maxLinearity: 1.6,
  linearityStrict: 0.7,
  valLinearity: 0.4,
  trendZ: -2.33,
  valDelta: 0.01,
  valZ: -1.64,
  r2: 0.9,
};

interface Shape {
  tag: string;
  ratio: number;
  z: number;
  r2: number;
  totalRel: number;
  ratePerEpoch: number;
  from: number;
}

function iqMean(y: Float64Array, from: number, to: number): number {
  const v = Array.from(y.subarray(from, to)).filter(Number.isFinite).sort((a, b) => a - b);
  const lo = Math.floor(v.length / 4);
  const hi = Math.max(lo + 1, Math.ceil((3 * v.length) / 4));
  let s = 0;
  for (let i = lo; i < hi; i++) s += v[i];
  return s / (hi - lo);
}

function shapeOf(s: PreparedSeries, input: AnalysisInput): Shape | null {
  const sign = s.info.direction === 'max' ? -1 : 1;
  return shapeOn(s.tag, Float64Array.from(s.blocks.med, (v) => sign * v), s.blocks.step, s.blocks.blockSteps, input);
}

function shapeOn(tag: string, yAll: Float64Array, step: Float64Array, blockSteps: number, input: AnalysisInput): Shape | null {
  const n = yAll.length;
  let start = step.findIndex((st) => st >= input.budget.warmEnd);
  if (start < 0) return null;
  for (const e of regimeChangeSteps(input.events)) {
    const i = step.findIndex((st) => st >= e + input.events.guardSteps);
    if (i > start && e >= step[0]) start = i;
  }
  const E = n - start;
  if (E < SLOW.minBlocks) return null;
  // the stretch judged must itself cover a good part of the budget (not just the time since an LR drop)
  const { planned } = input.budget;
  if (planned !== null && step[n - 1] - step[start] < SLOW.minStretchFrac * planned) return null;
  const t = Math.floor(E / 3);
  const y = yAll.subarray(start);
  // interquartile means: robust to spikes, and centred on an alternating (bimodal) oscillation
  const m1 = iqMean(y, 0, t);
  const m2 = iqMean(y, t, 2 * t);
  const m3 = iqMean(y, 2 * t, E);
  const d1 = m1 - m2;
  const d2 = m2 - m3;
  const z = mannKendall(y.subarray(Math.floor(E / 2))).z;
  const fit = ols(y);
  const level = Math.abs(m1);
  const epoch = input.budget.epochSteps ?? blockSteps * 100;
  return {
    tag,
    ratio: d1 > 0 ? d2 / d1 : d2 > 0 ? Infinity : 0,
    z,
    r2: fit.r2,
    totalRel: level > 0 ? (m1 - m3) / level : 0,
    ratePerEpoch: level > 0 ? (-fit.slope * epoch) / blockSteps / level : 0,
    from: step[start],
  };
}

/** The supervised losses averaged after normalising each by its median (less noisy shape), when aligned. */
function combinedShape(sup: PreparedSeries[], input: AnalysisInput): Shape | null {
  if (sup.length < 2) return null;
  const n = sup[0].blocks.n;
  if (!sup.every((s) => s.blocks.n === n && s.blocks.step[n - 1] === sup[0].blocks.step[n - 1])) return null;
  const y = new Float64Array(n);
  for (const s of sup) {
    const m = Math.abs(median(s.blocks.med)) || 1;
    const sign = s.info.direction === 'max' ? -1 : 1;
    for (let i = 0; i < n; i++) y[i] += (sign * s.blocks.med[i]) / m / sup.length;
  }
  return shapeOn('combined', y, sup[0].blocks.step, sup[0].blocks.blockSteps, input);
}

interface ValSlow {
  tag: string;
  /** gain of the last third of the validations / gain of the first third (NaN with < 6 validations) */
  ratio: number;
  maxGain: number;
  delta: number;
  /** δ scaled to long validation intervals (used only when every training loss is clearly linear) */
  deltaScaled: number;
  z: number;
}

function valSlow(input: AnalysisInput): ValSlow | null | 'fast' {
  const s = input.val.find((v) => v.info.monitor && v.info.role === 'val_quality') ?? input.val.find((v) => v.info.base === 'ssim_total_mean') ?? input.val.find((v) => v.info.monitor);
  if (!s || s.steps.length < 4) return null;
  const sign = s.info.direction === 'max' ? 1 : -1;
  // per-validation gains of the 3-point running median: validation jitter is not progress
  const sm = runningMedian(s.values, 3);
  let maxGain = -Infinity;
  for (let i = 1; i < sm.length; i++) maxGain = Math.max(maxGain, sign * (sm[i] - sm[i - 1]));
  const level = Math.abs(median(s.values));
  const delta = SLOW.valDelta * level;
  const { planned, valInterval } = input.budget;
  const perEval = planned && valInterval ? valInterval / planned : 0.05;
  const deltaScaled = delta * Math.min(2.5, Math.max(1, perEval / 0.05));
  const z = mannKendall(Float64Array.from(s.values, (v) => -sign * v), 'none').z;
  if (maxGain >= deltaScaled) return 'fast';
  let ratio = NaN;
  const start = Math.max(0, s.steps.findIndex((st) => st >= input.budget.warmEnd));
  const m = s.values.length - start;
  if (m >= 6) {
    const y = Float64Array.from(s.values.subarray(start), (v) => -sign * v);
    const t = Math.floor(m / 3);
    const d1 = iqMean(y, 0, t) - iqMean(y, t, 2 * t);
    const d2 = iqMean(y, t, 2 * t) - iqMean(y, 2 * t, m);
    ratio = d1 > 0 ? d2 / d1 : d2 > 0 ? Infinity : 0;
  }
  return { tag: s.tag, ratio, maxGain, delta, deltaScaled, z };
}

export function detectSlowConvergence(input: AnalysisInput): Finding[] {
  const { planned, lastStep, firstStep } = input.budget;
  // "the LR is too low" is a verdict on a constant LR: a decaying or cyclic schedule shapes the curve itself
  if (!['constant', 'unknown', 'warmup'].includes(input.events.schedule)) return [];
  if (planned !== null && lastStep - firstStep < SLOW.judgeFrac * planned) return [];
  const sup = input.train.filter((s) => s.info.role === 'sup');
  const shapes = sup.map((s) => shapeOf(s, input)).filter((x): x is Shape => x !== null);
  if (!shapes.length) return [];
  const ratios = shapes.map((s) => s.ratio).sort((a, b) => a - b);
  const combined = combinedShape(sup, input);
  const perTagRatio = ratios[Math.floor((ratios.length - 1) / 2)];
  const medianRatio = combined ? Math.min(combined.ratio, perTagRatio) : perTagRatio;
  // about linear: a healthy curve decelerates (< 0.62); a curve that accelerates (> 1.6) is shaped by
  // something else (a schedule, a restart), not by a too-low constant LR
  const inBand = (r: number) => r >= SLOW.linearity && r <= SLOW.maxLinearity;
  if (!inBand(perTagRatio) || (combined && !inBand(combined.ratio))) return [];
  const v = valSlow(input);
  if (v === 'fast') return [];
  // the validation monitor must not decelerate clearly either (a healthy run's gains shrink)
  if (v !== null && Number.isFinite(v.ratio) && v.ratio < SLOW.valLinearity) return [];
  // with few, long validation intervals a per-validation gain up to the scaled δ is still "slow", but
  // only when every training loss is clearly linear
  if (v !== null && v.maxGain >= v.delta && !shapes.every((s) => s.ratio >= SLOW.linearityStrict)) return [];
  // still improving now: the training losses (last half) or the validation monitor
  const trainImproving = shapes.filter((s) => s.z < SLOW.trendZ);
  const valImproving = v !== null && v.z < SLOW.valZ;
  if (!(trainImproving.length * 2 >= shapes.length || valImproving)) return [];
  if (v === null && (medianRatio < SLOW.linearityNoVal || !shapes.some((s) => s.r2 > SLOW.r2))) return [];
  const slow = trainImproving.length ? trainImproving : shapes;
  const lead = slow.reduce((a, b) => (b.z < a.z ? b : a));
  const remaining = planned !== null ? Math.max(0, planned - lastStep) : null;
  const epochs = input.budget.epochSteps ? (lastStep - lead.from) / input.budget.epochSteps : null;
  return [
    {
      kind: 'slow_convergence',
      severity: 'warning',
      metrics: [...slow.map((s) => s.tag), ...(v ? [v.tag] : [])],
      startStep: lead.from,
      endStep: lastStep,
      summary: `${lead.tag} is still falling almost linearly (last-third gain ${pct(Math.min(lead.ratio, 9.99), 0)} of the first third's, ${pct(lead.ratePerEpoch, 2)} per epoch, ${pct(lead.totalRel, 1)} in ${epochs !== null ? `${fmtNum(epochs, 3)} epochs` : `${lastStep - lead.from} steps`})${v ? `; the best single gain of ${v.tag} is ${fmtNum(v.maxGain, 3)} (< ${fmtNum(v.delta, 3)})` : ''} — the LR is too low for the remaining ${remaining ?? 'unknown'} steps.`,
      evidence: {
        linearity: medianRatio,
        perTag: shapes.map((s) => ({ tag: s.tag, linearity: s.ratio, mannKendallZ: s.z, r2: s.r2, totalRelativeGain: s.totalRel, relativeGainPerEpoch: s.ratePerEpoch })),
        val: v,
        remainingSteps: remaining,
        firstAlarmStep: planned !== null ? Math.max(lastStep, Math.round(firstStep + SLOW.judgeFrac * planned)) : lastStep,
        thresholds: { linearity: SLOW.linearity, trendZ: SLOW.trendZ, valDelta: SLOW.valDelta, valZ: SLOW.valZ, judgeFraction: SLOW.judgeFrac },
      },
      suggestions: [],
    },
  ];
}
