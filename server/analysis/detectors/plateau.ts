// Plateau (rules §5.2), judged on the current state of the run. Per metric, over the latest window
// (W = max(40 blocks, 30% of the post-warm-up history) for training losses, max(4, 30% of the
// validations) for validation metrics), in the metric's own direction:
//   (a) not confidently improving: Mann–Kendall (AR(1)-inflated variance) z > −2.33 (val: > −1.64);
//   (b) practically flat: Theil–Sen projected change over the window > −ε (1% train, 0.5% val);
//   (c) no new best: the best chunk median inside the window does not beat the best before it by more
//       than max(1e-3 relative, 2 standard errors).
// A plateau needs at least one flat metric, half of the judged metrics flat and none improving — so a
// saturated train_gen_l1 while val metrics still improve is not a plateau. The window restarts after a
// logged LR drop, a warm restart or a resume. Severity: info when the LR is already at its floor or the
// plateau began after 70% of the planned steps (convergence), warning otherwise.
import { mannKendall, median, noiseScale } from '../robust';
import { levelShiftSteps } from '../scheduleEvents';
import type { AnalysisInput, Finding, PreparedSeries } from '../types';
import { fmtNum, pct } from '../types';

export const PLATEAU = {
  trainEps: 0.01,
  valEps: 0.005,
  trainZ: -2.33,
  valZ: -1.64,
  minTrainBlocks: 40,
  windowFrac: 0.3,
  minValEvals: 6,
  minValWindow: 4,
  newBestRel: 1e-3,
  convergedFrac: 0.7,
};

export type Verdict = 'flat' | 'improving' | 'worsening' | 'na';

export interface MetricVerdict {
  tag: string;
  verdict: Verdict;
  /** projected relative change over the window, in the metric's "lower is better" direction */
  deltaRel: number;
  z: number;
  window: [number, number];
  onset: number | null;
  newBest: boolean;
}

const chunkMedians = (y: Float64Array, from: number, to: number, c: number): number[] => {
  const out: number[] = [];
  for (let i = from; i + c <= to; i += c) out.push(median(y, i, i + c));
  return out;
};

/** Verdict on one training loss (blocks). */
export function trainVerdict(s: PreparedSeries, input: AnalysisInput): MetricVerdict {
  const { step, med, n } = s.blocks;
  const na: MetricVerdict = { tag: s.tag, verdict: 'na', deltaRel: NaN, z: NaN, window: [0, 0], onset: null, newBest: false };
  const warmIdx = step.findIndex((st) => st >= input.budget.warmEnd);
  if (warmIdx < 0) return na;
  let start = warmIdx;
  for (const e of levelShiftSteps(input.events)) {
    const i = step.findIndex((st) => st >= e + input.events.guardSteps);
    if (i > start && e >= step[0]) start = i;
  }
  const E = n - start;
  if (E < PLATEAU.minTrainBlocks) return na;
  const W = Math.min(E, Math.max(PLATEAU.minTrainBlocks, Math.round(PLATEAU.windowFrac * (n - warmIdx))));
  const sign = s.info.direction === 'max' ? -1 : 1;
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) y[i] = sign * med[i];
  return verdictOn(s.tag, y, step, start, n - W, n, PLATEAU.trainEps, PLATEAU.trainZ, 'ar1');
}

/** Verdict on one validation metric (one point per validation). */
export function valVerdict(s: PreparedSeries, input: AnalysisInput): MetricVerdict {
  const na: MetricVerdict = { tag: s.tag, verdict: 'na', deltaRel: NaN, z: NaN, window: [0, 0], onset: null, newBest: false };
  const steps = s.steps;
  const n = steps.length;
  const start = steps.findIndex((st) => st >= input.budget.warmEnd);
  if (start < 0 || n - start < PLATEAU.minValEvals) return na;
  const W = Math.max(PLATEAU.minValWindow, Math.round(PLATEAU.windowFrac * (n - start)));
  const sign = s.info.direction === 'max' ? -1 : 1;
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) y[i] = sign * s.values[i];
  return verdictOn(s.tag, y, steps, start, n - W, n, PLATEAU.valEps, PLATEAU.valZ, 'none');
}

function verdictOn(
  tag: string,
  y: Float64Array,
  steps: Float64Array,
  start: number,
  wFrom: number,
  n: number,
  eps: number,
  zThr: number,
  correction: 'ar1' | 'none',
): MetricVerdict {
  const W = n - wFrom;
  const yw = y.subarray(wFrom, n);
  const level = Math.abs(median(yw));
  const mk = mannKendall(yw, correction);
  const deltaRel = level > 0 ? (mk.slope * (W - 1)) / level : 0;
  const sigma = noiseScale(y, start, n);
  const c = Math.max(correction === 'none' ? 1 : 5, Math.round(W / 4));
  const se = correction === 'none' ? sigma : (1.2533 * sigma) / Math.sqrt(c);
  const margin = Math.max(PLATEAU.newBestRel * level, 2 * (Number.isFinite(se) ? se : 0));
  const before = chunkMedians(y, start, wFrom, c);
  const inside = chunkMedians(y, wFrom, n, c);
  const bestBefore = before.length ? Math.min(...before) : Infinity;
  const bestIn = inside.length ? Math.min(...inside) : Infinity;
  const newBest = bestIn < bestBefore - margin;
  let verdict: Verdict;
  if (mk.z < zThr && deltaRel < 0) verdict = 'improving';
  else if (mk.z > -zThr && deltaRel > 3 * eps) verdict = 'worsening';
  else if (deltaRel > -eps && !newBest) verdict = 'flat';
  else verdict = newBest ? 'improving' : 'na';
  let onset: number | null = null;
  if (verdict === 'flat') {
    const plateauLevel = median(yw);
    const tol = Math.max((eps / 2) * level, margin);
    const cc = correction === 'none' ? 1 : Math.max(3, Math.round(c / 2));
    for (let j = start; j + cc <= n; j++) {
      if (median(y, j, j + cc) <= plateauLevel + tol) {
        onset = steps[j];
        break;
      }
    }
    if (onset === null) onset = steps[wFrom];
  }
  return { tag, verdict, deltaRel, z: mk.z, window: [steps[wFrom], steps[n - 1]], onset, newBest };
}

export function detectPlateau(input: AnalysisInput): Finding[] {
  const train = input.train.filter((s) => s.info.role === 'sup').map((s) => trainVerdict(s, input));
  const val = input.val.map((s) => valVerdict(s, input));
  const judged = [...train, ...val].filter((v) => v.verdict !== 'na');
  const flat = judged.filter((v) => v.verdict === 'flat');
  if (!flat.length || judged.some((v) => v.verdict === 'improving') || flat.length * 2 < judged.length) return [];
  const onsets = flat.map((v) => v.onset!).sort((a, b) => a - b);
  const onset = onsets[Math.floor((onsets.length - 1) / 2)];
  const { planned, lastStep, valInterval } = input.budget;
  const converged = input.events.lrAtFloor || (planned !== null && onset >= PLATEAU.convergedFrac * planned);
  const early = planned !== null ? onset < 0.5 * planned : null;
  const remainingValidations = planned !== null && valInterval ? Math.max(0, Math.floor((planned - lastStep) / valInterval)) : null;
  const monitor = input.val.find((s) => s.info.monitor);
  const lead = flat.find((v) => v.tag === monitor?.tag) ?? flat[0];
  const span = lastStep - onset;
  const why = converged
    ? input.events.lrAtFloor
      ? 'the LR is already at its floor, so this is convergence'
      : `it began after ${pct(PLATEAU.convergedFrac, 0)} of the planned ${planned} steps, so this is convergence`
    : early
      ? 'an early plateau, far from the end of the budget'
      : 'a late plateau';
  return [
    {
      kind: 'plateau',
      severity: converged ? 'info' : 'warning',
      metrics: flat.map((v) => v.tag),
      startStep: onset,
      endStep: lastStep,
      summary: `${lead.tag} has not improved for ${span} steps (projected change ${pct(lead.deltaRel, 2)} over the last window, Mann–Kendall z = ${fmtNum(lead.z, 3)}); ${flat.length} of ${judged.length} judged metrics are flat — ${why}.`,
      evidence: {
        onsetStep: onset,
        early,
        converged,
        remainingValidations,
        verdicts: judged.map((v) => ({ tag: v.tag, verdict: v.verdict, deltaRel: v.deltaRel, mannKendallZ: v.z, window: v.window, onsetStep: v.onset, newBest: v.newBest })),
        thresholds: {
          trainEps: PLATEAU.trainEps,
          valEps: PLATEAU.valEps,
          trainZ: PLATEAU.trainZ,
          valZ: PLATEAU.valZ,
          newBestRel: PLATEAU.newBestRel,
          windowFraction: PLATEAU.windowFrac,
        },
      },
      suggestions: [],
    },
  ];
}
