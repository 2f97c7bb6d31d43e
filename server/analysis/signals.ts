// The curves a person reads to judge a run, picked once for every detector: the primary training loss,
// the primary validation signal (a loss, else a quality metric), LaMa's adversarial pair. Plus the
// robust shape statistics the detectors share (window medians, smoothed curves, tail gains).
// docs/diagnosis.md explains each choice and where it came from.
import { mannKendall, median } from './robust';
import type { AnalysisInput, PreparedSeries, RunData } from './types';

/** Direction-adjusted "error" of a value: lower is better for every signal. */
export function err(s: PreparedSeries, v: number): number {
  if (s.info.direction === 'min') return v;
  // bounded quality metrics (SSIM, accuracy, F1, IoU… in [0, 1]) as 1 − v keep relative changes meaningful
  return boundedQuality(s) ? 1 - v : -v;
}

const BOUNDED = /(ssim|acc|f1|iou|dice|auc|precision|recall|map_at|ndcg)/;
function boundedQuality(s: PreparedSeries): boolean {
  if (!BOUNDED.test(s.info.base)) return false;
  for (let i = 0; i < s.values.length; i++) {
    const v = s.values[i];
    if (Number.isFinite(v) && (v < 0 || v > 1)) return false;
  }
  return true;
}

/** The finite points of a series as error values (lower is better), with their steps. */
export function errorCurve(s: PreparedSeries, from = -Infinity, to = Infinity): { steps: number[]; y: number[] } {
  const steps: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < s.values.length; i++) {
    const st = s.steps[i];
    const v = s.values[i];
    if (st < from || st > to || !Number.isFinite(v)) continue;
    steps.push(st);
    y.push(err(s, v));
  }
  return { steps, y };
}

/** Block-median curve of a training series (≤ 4096 blocks), as error values, from a step on. */
export function blockCurve(s: PreparedSeries, from = -Infinity, to = Infinity): { steps: number[]; y: number[] } {
  const steps: number[] = [];
  const y: number[] = [];
  const b = s.blocks;
  for (let i = 0; i < b.n; i++) {
    const v = b.med[i];
    if (b.step[i] < from || b.step[i] > to || !Number.isFinite(v)) continue;
    steps.push(b.step[i]);
    y.push(err(s, v));
  }
  return { steps, y };
}

/** Medians of k equal consecutive windows (by point index). */
export function windowMedians(y: ArrayLike<number>, k = 8): number[] {
  const n = y.length;
  const out: number[] = [];
  for (let w = 0; w < k; w++) {
    const a = Math.floor((w * n) / k);
    const b = Math.max(a + 1, Math.floor(((w + 1) * n) / k));
    out.push(median(Float64Array.from({ length: Math.min(b, n) - a }, (_, i) => y[a + i])));
  }
  return out;
}

/** Centred running median (window w, shrinking at the edges): a single noisy validation cannot lead. */
export function smooth(y: ArrayLike<number>, w: number): number[] {
  const h = Math.floor(w / 2);
  const out: number[] = [];
  for (let i = 0; i < y.length; i++) {
    const a = Math.max(0, i - h);
    const b = Math.min(y.length, i + h + 1);
    out.push(median(Float64Array.from({ length: b - a }, (_, j) => y[a + j])));
  }
  return out;
}

/** A smoothing width for n validation points: 5 for long curves, 3 for short ones. */
export const smoothWidth = (n: number): number => (n >= 20 ? 5 : n >= 7 ? 3 : 1);

/** Relative change a → b of an error level, sign-safe for negative losses (−: improved). */
export function relChange(a: number, b: number, scale?: number): number {
  const d = Math.max(Math.abs(a), Math.abs(scale ?? 0), 1e-300);
  return (b - a) / d;
}

/** Mann–Kendall z of a curve (AR(1)-corrected on ≥ 30 points unless told otherwise). */
export function trendZ(y: ArrayLike<number>, correction?: 'ar1' | 'none'): number {
  if (y.length < 4) return 0;
  return mannKendall(Float64Array.from(y), correction ?? (y.length >= 30 ? 'ar1' : 'none')).z;
}

export interface Signals {
  /** the training loss that stands for the run (LaMa: train_gen_l1; Lightning: train_loss) */
  train: PreparedSeries | null;
  /** the validation signal that stands for the run (LaMa: val_gen_l1; Lightning: val_loss) */
  val: PreparedSeries | null;
  /** other validation curves with ≥ 5 finite points (quality metrics, secondary losses) */
  valOthers: PreparedSeries[];
  genAdv: PreparedSeries | null;
  discAdv: PreparedSeries | null;
  realOut: PreparedSeries | null;
  /** LaMa-shaped: an adversarial pair is logged */
  gan: boolean;
}

const finiteCount = (s: PreparedSeries): number => {
  let n = 0;
  for (let i = 0; i < s.values.length; i++) if (Number.isFinite(s.values[i])) n++;
  return n;
};

function rankTrain(s: PreparedSeries): number {
  const b = s.info.base;
  if (b === 'gen_l1') return 0;
  if (b === 'loss') return 1;
  if (/(^|_)loss$/.test(b)) return 2;
  return 3;
}

function rankVal(s: PreparedSeries): number {
  const b = s.info.base;
  if (s.info.role === 'val_loss') {
    if (b === 'gen_l1') return 0;
    if (b === 'loss') return 1;
    if (/(^|_)loss/.test(b)) return 2;
    return 3;
  }
  if (/ssim_total_mean$/.test(b)) return 4;
  if (/fid/.test(b)) return 9; // LaMa's FID moves 5–20 points between validations even when healthy
  return 5;
}

export function pickSignals(input: AnalysisInput): Signals {
  const byRole = (r: string) => input.train.find((s) => s.info.role === r && finiteCount(s) >= 4) ?? null;
  const sup = input.train.filter((s) => s.info.role === 'sup' && finiteCount(s) >= 4);
  const train = sup.length ? sup.reduce((a, b) => (rankTrain(b) < rankTrain(a) || (rankTrain(b) === rankTrain(a) && b.steps.length > a.steps.length) ? b : a)) : null;
  const vals = input.val.filter((s) => finiteCount(s) >= 5);
  const val = vals.length ? vals.reduce((a, b) => (rankVal(b) < rankVal(a) ? b : a)) : null;
  const genAdv = byRole('gen_adv');
  const discAdv = byRole('disc_adv');
  return {
    train,
    val,
    valOthers: vals.filter((s) => s !== val),
    genAdv,
    discAdv,
    realOut: byRole('real_out'),
    gan: genAdv !== null && discAdv !== null,
  };
}

/** Steps covered by the run (first logged to last logged). */
export function runSpan(input: AnalysisInput): number {
  return Math.max(1, input.budget.lastStep - input.budget.firstStep);
}

/**
 * Steps per epoch from the logged `epoch` counter: the config's limit_train_batches is a cap, and a data
 * set with fewer batches has shorter epochs (8 images at batch 4: 2 steps, not 25 000).
 */
export function loggedEpochSteps(run: Pick<RunData, 'epoch'>): number | null {
  const e = run.epoch;
  if (!e || e.steps.length < 2) return null;
  // the steps where the counter first shows a new epoch: epoch boundaries (the first epoch's first
  // logged step is not one — logging starts mid-epoch)
  let prev = NaN;
  let firstChange: { step: number; epoch: number } | null = null;
  let lastChange: { step: number; epoch: number } | null = null;
  for (let i = 0; i < e.steps.length; i++) {
    const v = e.values[i];
    if (!Number.isFinite(v) || !Number.isFinite(e.steps[i])) continue;
    if (!Number.isNaN(prev) && v > prev) {
      const c = { step: e.steps[i], epoch: v };
      if (!firstChange) firstChange = c;
      lastChange = c;
    }
    if (Number.isNaN(prev) || v > prev) prev = v;
  }
  if (!firstChange || !lastChange || lastChange.epoch <= firstChange.epoch) return null;
  // whole steps: checkpoints and milestones fall on them
  return Math.max(1, Math.round((lastChange.step - firstChange.step) / (lastChange.epoch - firstChange.epoch)));
}

/** The logged epoch at a step (LaMa's checkpoint names use it), when the counter is logged. */
export function epochAt(run: RunData, step: number): number | null {
  const e = run.epoch;
  if (!e) return null;
  let best: number | null = null;
  for (let i = 0; i < e.steps.length; i++) if (e.steps[i] <= step && Number.isFinite(e.values[i])) best = e.values[i];
  return best;
}
