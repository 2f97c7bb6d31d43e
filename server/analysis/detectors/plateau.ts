// Plateau (rules §5.2), judged on the current state of the run. Per metric, over the latest window
// (W = max(40 blocks, 30% of the post-warm-up history) for training losses, max(4, 30% of the
// validations) for validation metrics), in the metric's own direction:
//   improving = a confident decrease (Mann–Kendall with AR(1)-inflated variance z < −2.33, val < −1.64)
//     that also matters (Theil–Sen projected change over the window < −ε: 1% train, 0.5% val), or a new
//     best: the best chunk median inside the window beats the best before it by more than
//     max(1e-3 relative, 2 standard errors, 2× the spread of the chunk medians);
//   flat = not improving, no new best, and the projected change within (−ε, 3ε] (a significant but
//     negligible decrease is flat; a clear rise is worsening when significant, else uncertain).
// A plateau needs ≥ 3 judged metrics (when there are that many) and ≥ 2/3 of them flat, no training loss
// clearly improving (by more than 2ε), the checkpoint monitor flat (when judged) and a
// flat training loss (when logged) — so a saturated train_gen_l1 while val metrics still improve is not
// a plateau. The window restarts after a
// logged LR drop or a warm restart (no verdict at all under warm restarts / cyclic LR). Severity: info when
// the LR is already at its floor, the plateau began after the last LR decay, or after 70% of the planned
// steps (convergence); warning otherwise.
import { mad, mannKendall, median, noiseScale } from '../robust';
import { regimeChangeSteps } from '../scheduleEvents';
import type { AnalysisInput, Finding, PreparedSeries } from '../types';
import { fmtNum, pct } from '../format';

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

export type Verdict = 'flat' | 'improving' | 'worsening' | 'uncertain' | 'na';

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
  for (const e of regimeChangeSteps(input.events)) {
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

/**
 * Where the metric went flat: the knot c of y = a + b·min(0, i − c) (a slope, then flat) fitted by least
 * squares to chunk medians of y[from, to).
 */
export function flatOnset(y: ArrayLike<number>, from: number, to: number, steps?: ArrayLike<number>): number {
  // in log-step coordinates a decelerating (power-law) approach is close to a straight line
  const xOf = (i: number) => (steps ? Math.log(Math.max(1, steps[Math.min(steps.length - 1, Math.max(0, Math.round(i)))])) : i);
  const len = to - from;
  const k = Math.max(1, Math.floor(len / 150));
  const xs: number[] = [];
  const ys: number[] = [];
  const idx: number[] = [];
  for (let i = from; i + k <= to; i += k) {
    const m = median(y, i, i + k);
    if (Number.isFinite(m)) {
      idx.push(i + (k - 1) / 2);
      xs.push(xOf(i + (k - 1) / 2));
      ys.push(m);
    }
  }
  const m = xs.length;
  if (m < 5) return from;
  let best = 0;
  let bestSse = Infinity;
  for (let j = 1; j < m - 2; j++) {
    const c = xs[j];
    let su = 0, sy = 0, suu = 0, suy = 0;
    for (let q = 0; q < m; q++) {
      const u = Math.min(0, xs[q] - c);
      su += u; sy += ys[q]; suu += u * u; suy += u * ys[q];
    }
    const den = m * suu - su * su;
    const b = den > 0 ? (m * suy - su * sy) / den : 0;
    const a = (sy - b * su) / m;
    let sse = 0;
    for (let q = 0; q < m; q++) {
      const r = ys[q] - a - b * Math.min(0, xs[q] - c);
      sse += r * r;
    }
    if (sse < bestSse) {
      bestSse = sse;
      best = j;
    }
  }
  return Math.min(to - 1, Math.max(from, Math.round(idx[best])));
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
  // chunk medians also vary with autocorrelated noise: use their observed spread when it is larger
  const spread = inside.length >= 4 ? 1.4826 * mad(inside.map((v, i) => v - (mk.slope * c * i))) : 0;
  // a new best needs enough history on both sides to mean anything (few validations: no)
  const enough = before.length >= 3 && inside.length >= 2 && (correction !== 'none' || n - start >= 10);
  const newBest = enough && bestIn < bestBefore - Math.max(margin, 2 * spread);
  let verdict: Verdict;
  if ((mk.z < zThr && deltaRel < -eps) || (newBest && deltaRel < 0)) verdict = 'improving';
  else if (mk.z > -zThr && deltaRel > 3 * eps) verdict = 'worsening';
  else if (deltaRel > -eps && deltaRel <= 3 * eps && !newBest) verdict = 'flat';
  else verdict = 'uncertain';
  let onset: number | null = null;
  // where it went flat: a slope-then-flat (hinge) fit in log-step over the window and the 2 before it
  if (verdict === 'flat') onset = steps[flatOnset(y, Math.max(start, wFrom - 2 * W), n, steps)];
  return { tag, verdict, deltaRel, z: mk.z, window: [steps[wFrom], steps[n - 1]], onset, newBest };
}

export function detectPlateau(input: AnalysisInput): Finding[] {
  // under warm restarts / cyclic LR the loss rises and falls by design: no plateau verdict
  if (input.events.schedule === 'warm_restarts' || input.events.schedule === 'cyclic') return [];
  const train = input.train.filter((s) => s.info.role === 'sup').map((s) => trainVerdict(s, input));
  const val = input.val.map((s) => valVerdict(s, input));
  const judged = [...train, ...val].filter((v) => v.verdict !== 'na' && v.verdict !== 'uncertain');
  const flat = judged.filter((v) => v.verdict === 'flat');
  // a training loss that clearly improves (more than 2ε over the window) vetoes a plateau
  if (train.some((v) => v.verdict === 'improving' && v.deltaRel < -2 * PLATEAU.trainEps)) return [];
  const available = [...train, ...val].filter((v) => v.verdict !== 'na').length;
  if (!flat.length || flat.length * 3 < judged.length * 2 || judged.length < Math.min(3, available)) return [];
  // the checkpoint monitor, when it can be judged, must be flat too
  const monitorTag = input.val.find((s) => s.info.monitor)?.tag;
  const mv = [...val].find((v) => v.tag === monitorTag);
  if (mv && mv.verdict !== 'na' && mv.verdict !== 'flat') return [];
  // the model must have stopped learning: when the run logs training losses, one of them is flat — or,
  // when they are all too noisy to judge, none improves and ≥ 4 validation metrics, ≥ 80% of them, are flat
  if (train.length && !train.some((v) => v.verdict === 'flat')) {
    const valJudged = val.filter((v) => v.verdict !== 'na' && v.verdict !== 'uncertain');
    const valFlat = valJudged.filter((v) => v.verdict === 'flat');
    const trainImproving = train.some((v) => v.verdict === 'improving');
    if (trainImproving || valJudged.length < 4 || valFlat.length < 0.8 * valJudged.length) return [];
  }
  const onsets = flat.map((v) => v.onset!).sort((a, b) => a - b);
  const onset = onsets[Math.floor((onsets.length - 1) / 2)];
  const { planned, lastStep, valInterval } = input.budget;
  // convergence: the LR is at its floor, the plateau began late, or it began after the last LR decay
  const lastDrop = input.events.drops.length ? Math.max(...input.events.drops) : null;
  const afterDecay = lastDrop !== null && onset >= lastDrop;
  const converged = input.events.lrAtFloor || afterDecay || (planned !== null && onset >= PLATEAU.convergedFrac * planned);
  const early = planned !== null ? onset < 0.5 * planned : null;
  const remainingValidations = planned !== null && valInterval ? Math.max(0, Math.floor((planned - lastStep) / valInterval)) : null;
  const monitor = input.val.find((s) => s.info.monitor);
  const lead = flat.find((v) => v.tag === monitor?.tag) ?? flat[0];
  const span = lastStep - onset;
  const why = converged
    ? input.events.lrAtFloor
      ? 'the LR is already at its floor, so this is convergence'
      : afterDecay
        ? `it began after the LR decay at step ${lastDrop}, so this is convergence at the lower LR`
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
