// Slow convergence (rules §5.6): still improving, but so slowly that the budget will not buy a
// meaningful gain. Judged from 30% of the planned steps on (AUTOTRAINER's judgment point), on the
// stretch since warm-up (or since the last LR drop / restart):
//   S3 shape: the training losses are still falling about linearly — median over the supervised losses
//      of (gain of the last third / gain of the first third, interquartile means) ≥ 0.62 (a healthy
//      curve decelerates);
//   S1 (when validations exist): the largest per-validation improvement of the monitor (or SSIM; 3-point
//      running median, so jitter is not progress) is below δ = 1% of its level;
// and the run is still improving: a significant decrease of the training losses over the last half
// (MK z < −2.33 on at least half of them) or of the validation monitor (MK z < −1.64). Without
// validation data S3 must also fit a line with R² > 0.9.
import { mannKendall, median, ols, runningMedian } from '../robust';
import { regimeChangeSteps } from '../scheduleEvents';
import type { AnalysisInput, Finding, PreparedSeries } from '../types';
import { fmtNum, pct } from '../types';

export const SLOW = {
  judgeFrac: 0.3,
  minBlocks: 60,
  linearity: 0.62,
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
  const { step, med, n } = s.blocks;
  let start = step.findIndex((st) => st >= input.budget.warmEnd);
  if (start < 0) return null;
  for (const e of regimeChangeSteps(input.events)) {
    const i = step.findIndex((st) => st >= e + input.events.guardSteps);
    if (i > start && e >= step[0]) start = i;
  }
  const E = n - start;
  if (E < SLOW.minBlocks) return null;
  const t = Math.floor(E / 3);
  const sign = s.info.direction === 'max' ? -1 : 1;
  const y = Float64Array.from(med.subarray(start), (v) => sign * v);
  // interquartile means: robust to spikes, and centred on an alternating (bimodal) oscillation
  const m1 = iqMean(y, 0, t);
  const m2 = iqMean(y, t, 2 * t);
  const m3 = iqMean(y, 2 * t, E);
  const d1 = m1 - m2;
  const d2 = m2 - m3;
  const z = mannKendall(y.subarray(Math.floor(E / 2))).z;
  const fit = ols(y);
  const level = Math.abs(m1);
  const epoch = input.budget.epochSteps ?? s.blocks.blockSteps * 100;
  return {
    tag: s.tag,
    ratio: d1 > 0 ? d2 / d1 : d2 > 0 ? Infinity : 0,
    z,
    r2: fit.r2,
    totalRel: level > 0 ? (m1 - m3) / level : 0,
    ratePerEpoch: level > 0 ? (-fit.slope * epoch) / s.blocks.blockSteps / level : 0,
    from: step[start],
  };
}

interface ValSlow {
  tag: string;
  maxGain: number;
  delta: number;
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
  const z = mannKendall(Float64Array.from(s.values, (v) => -sign * v), 'none').z;
  if (maxGain >= delta) return 'fast';
  return { tag: s.tag, maxGain, delta, z };
}

export function detectSlowConvergence(input: AnalysisInput): Finding[] {
  const { planned, lastStep, firstStep } = input.budget;
  if (input.events.schedule === 'warm_restarts' || input.events.schedule === 'cyclic') return [];
  if (planned !== null && lastStep - firstStep < SLOW.judgeFrac * planned) return [];
  const sup = input.train.filter((s) => s.info.role === 'sup');
  const shapes = sup.map((s) => shapeOf(s, input)).filter((x): x is Shape => x !== null);
  if (!shapes.length) return [];
  const ratios = shapes.map((s) => s.ratio).sort((a, b) => a - b);
  const medianRatio = ratios[Math.floor((ratios.length - 1) / 2)];
  if (medianRatio < SLOW.linearity) return [];
  const v = valSlow(input);
  if (v === 'fast') return [];
  // still improving now: the training losses (last half) or the validation monitor
  const trainImproving = shapes.filter((s) => s.z < SLOW.trendZ);
  const valImproving = v !== null && v.z < SLOW.valZ;
  if (!(trainImproving.length * 2 >= shapes.length || valImproving)) return [];
  if (v === null && !shapes.some((s) => s.r2 > SLOW.r2)) return [];
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
