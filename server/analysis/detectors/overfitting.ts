// Overfitting (rules §5.4, Prechelt 1998). On a validation loss (LaMa: val_gen_l1, val_gen_resnet_pl;
// generic: val_loss), at the latest validations:
//   V1 generalisation loss GL(t) = 100·(E_va(t)/E_opt − 1) > 5 at the last two validations;
//   V2 the rise is systematic: ≥ 3 validations after the best and a Mann–Kendall increase (z > 1.64)
//      since the best, or UP₂ (two successive increases, strip k = 1);
//   V3 the training loss still improves over the same steps (MK z < −2.33 on the paired / supervised
//      training losses, or a drop of more than 2 standard errors) — otherwise it is drift, not overfitting.
// Validation quality metrics worsening together are reported as supporting evidence. Only quality
// metrics (no validation loss): at least two must worsen, one of them not FID (a FID-only rise with flat
// SSIM/L1 is GAN degradation, see ganImbalance.ts). Under warm restarts only the current cycle is judged.
import { mannKendall, median, noiseScale } from '../robust';
import type { AnalysisInput, Finding, PreparedSeries } from '../types';
import { fmtNum } from '../format';

export const OVERFITTING = {
  gl: 5,
  minAfterBest: 3,
  riseZ: 1.64,
  trainZ: -2.33,
  minEvals: 5,
};

interface ValHit {
  tag: string;
  bestIdx: number;
  bestStep: number;
  gl: number;
  glPrev: number;
  riseZ: number;
  up2: boolean;
}

/** GL on a direction-adjusted, positive "error": losses as they are; max-metrics as best/x. */
function glOf(s: PreparedSeries, i: number, best: number): number {
  const v = s.values[i];
  if (s.info.direction === 'min') return best > 0 ? 100 * (v / best - 1) : NaN;
  return v > 0 ? 100 * (best / v - 1) : NaN;
}

function valHit(s: PreparedSeries, input: AnalysisInput): ValHit | null {
  const n = s.steps.length;
  // under warm restarts the validation loss rises after every restart: judge only the current cycle
  const lastRestart = input.events.restarts.length ? Math.max(...input.events.restarts) + input.events.guardSteps : -Infinity;
  const start = Math.max(0, s.steps.findIndex((st) => st >= Math.max(input.budget.warmEnd, lastRestart)));
  if (s.steps[start] < Math.max(input.budget.warmEnd, lastRestart)) return null;
  if (n - start < OVERFITTING.minEvals) return null;
  const sign = s.info.direction === 'max' ? -1 : 1;
  let bestIdx = -1;
  for (let i = start; i < n; i++) {
    if (!Number.isFinite(s.values[i])) continue;
    if (bestIdx < 0 || sign * s.values[i] < sign * s.values[bestIdx]) bestIdx = i;
  }
  if (bestIdx < 0 || n - 1 - bestIdx < OVERFITTING.minAfterBest - 1) return null;
  const best = s.values[bestIdx];
  const gl = glOf(s, n - 1, best);
  const glPrev = glOf(s, n - 2, best);
  if (!(gl > OVERFITTING.gl && glPrev > OVERFITTING.gl)) return null;
  const after = Float64Array.from(s.values.subarray(bestIdx), (v) => sign * v);
  const riseZ = mannKendall(after, 'none').z;
  const y = (i: number) => sign * s.values[i];
  const up2 = n >= 3 && y(n - 1) > y(n - 2) && y(n - 2) > y(n - 3);
  const systematic = (n - 1 - bestIdx >= OVERFITTING.minAfterBest && riseZ > OVERFITTING.riseZ) || up2;
  if (!systematic) return null;
  return { tag: s.tag, bestIdx, bestStep: s.steps[bestIdx], gl, glPrev, riseZ, up2 };
}

/** Does the training loss keep improving between two steps? */
function trainImproving(input: AnalysisInput, from: number, to: number, valTag: string): { tag: string; z: number; change: number } | null {
  const base = valTag.replace(/^val[_/]/, '');
  const sup = input.train.filter((s) => s.info.role === 'sup');
  const paired = sup.filter((s) => s.info.base === base || s.tag.replace(/^train[_/]/, '') === base);
  const pool = paired.length ? paired : sup;
  let best: { tag: string; z: number; change: number } | null = null;
  for (const s of pool) {
    const { step, med } = s.blocks;
    const i0 = step.findIndex((st) => st >= from);
    let i1 = step.findIndex((st) => st > to);
    if (i1 < 0) i1 = s.blocks.n;
    if (i0 < 0 || i1 - i0 < 8) continue;
    const w = med.subarray(i0, i1);
    const z = mannKendall(w).z;
    const q = Math.max(2, Math.floor(w.length / 4));
    const a = median(w, 0, q);
    const b = median(w, w.length - q, w.length);
    const se = (1.2533 * noiseScale(w)) / Math.sqrt(q);
    const change = (b - a) / Math.abs(a);
    const ok = z < OVERFITTING.trainZ || (b < a - 2 * se && change < 0);
    if (ok && (!best || z < best.z)) best = { tag: s.tag, z, change };
  }
  return best;
}

export function detectOverfitting(input: AnalysisInput): Finding[] {
  const losses = input.val.filter((s) => s.info.role === 'val_loss');
  const quality = input.val.filter((s) => s.info.role === 'val_quality');
  const lossHits = losses.map((s) => valHit(s, input)).filter((h): h is ValHit => h !== null);
  const qualityHits = quality.map((s) => valHit(s, input)).filter((h): h is ValHit => h !== null);
  let primary: ValHit[];
  if (losses.length) primary = lossHits;
  else {
    const nonFid = qualityHits.filter((h) => !/fid/.test(h.tag.toLowerCase()));
    primary = qualityHits.length >= 2 && nonFid.length ? qualityHits : [];
  }
  if (!primary.length) return [];
  const lead = primary.reduce((a, b) => (b.gl > a.gl ? b : a));
  const from = Math.min(...primary.map((h) => h.bestStep));
  const train = trainImproving(input, from, input.budget.lastStep, lead.tag);
  if (!train) return [];
  const support = qualityHits.filter((h) => !primary.includes(h));
  const nAfter = input.val.find((s) => s.tag === lead.tag)!.steps.length - 1 - lead.bestIdx;
  return [
    {
      kind: 'overfitting',
      severity: 'warning',
      metrics: [...primary.map((h) => h.tag), ...support.map((h) => h.tag), train.tag],
      startStep: from,
      endStep: input.budget.lastStep,
      summary: `${lead.tag} is ${fmtNum(lead.gl, 3)}% above its best (step ${lead.bestStep}, ${nAfter} validations ago; Prechelt GL > ${OVERFITTING.gl}) while ${train.tag} still improves (${fmtNum(train.change * 100, 3)}%, Mann–Kendall z = ${fmtNum(train.z, 3)}).`,
      evidence: {
        bestStep: lead.bestStep,
        validationsSinceBest: nAfter,
        gl: lead.gl,
        glPrevious: lead.glPrev,
        riseZ: lead.riseZ,
        up2: lead.up2,
        train: train,
        perMetric: [...primary, ...support].map((h) => ({ tag: h.tag, bestStep: h.bestStep, gl: h.gl, riseZ: h.riseZ, up2: h.up2 })),
        thresholds: { gl: OVERFITTING.gl, riseZ: OVERFITTING.riseZ, trainZ: OVERFITTING.trainZ, minValidationsAfterBest: OVERFITTING.minAfterBest },
      },
      suggestions: [],
    },
  ];
}
