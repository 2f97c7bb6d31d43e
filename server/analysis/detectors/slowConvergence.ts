// Slow convergence (docs/diagnosis.md §Slow convergence): still improving at the end, at a rate that
// has not slowed — a run nowhere near converged, the mark of an LR that is too low:
//   S1 the validation signal (training loss when none) still improves over the last 40% (Mann–Kendall
//      z ≤ −2);
//   S2 it has not slowed: its second half gained ≥ 0.5× its first (converging runs: 0.0–0.3), and the
//      progress is small (under 25% of the starting level) — or, in a GAN, the adversarial losses drift
//      at the same pace all run long (both halves, ratio ≥ 0.4), where a healthy GAN settles in its
//      first epochs (either witness suffices in a GAN);
//   S3 it moved at all (≥ 0.2%): a constant curve is a plateau, not slow progress.
import type { AnalysisInput, Finding, PreparedSeries, Signal } from '../types';
import { fmtNum, pct } from '../format';
import { blockCurve, errorCurve, pickSignals, relChange, trendZ, windowMedians } from '../signals';

export const SLOW = {
  tailShare: 0.4,
  tailZ: -2,
  halfRatio: 0.5,
  maxGain: 0.25,
  ganHalfRatio: 0.4,
  minGain: 0.002,
  minPoints: 8,
};

/** Gains (error units, + = improved) of the first and second half of a curve, from 8 window medians. */
export function halfGains(y: number[]): { first: number; second: number; total: number; start: number } {
  const w = windowMedians(y, y.length >= 16 ? 8 : 4);
  const h = w.length / 2;
  return { first: w[0] - w[h - 1], second: w[h] - w[w.length - 1], total: w[0] - w[w.length - 1], start: w[0] };
}

function curve(s: PreparedSeries, isVal: boolean): { steps: number[]; y: number[] } {
  return isVal ? errorCurve(s) : blockCurve(s);
}

export function detectSlowConvergence(input: AnalysisInput): Finding[] {
  const sig = pickSignals(input);
  const base = sig.val ?? sig.train;
  if (!base) return [];
  const c = curve(base, base === sig.val);
  if (c.y.length < SLOW.minPoints) return [];
  const g = halfGains(c.y);
  const tail = c.y.slice(Math.floor(c.y.length * (1 - SLOW.tailShare)));
  const z = trendZ(tail);
  const ratio = g.first > 0 ? g.second / g.first : g.second > 0 ? Infinity : 0;
  const rel = -relChange(g.start, g.start - g.total);
  const common: Signal[] = [
    { signal: `${base.tag} trend over the last ${pct(SLOW.tailShare, 0)} (Mann–Kendall z)`, value: z, threshold: `≤ ${SLOW.tailZ}`, step: c.steps[c.steps.length - tail.length], fired: z <= SLOW.tailZ },
    { signal: `${base.tag} moved over the run`, value: pct(rel), threshold: `≥ ${pct(SLOW.minGain)}`, step: null, fired: rel >= SLOW.minGain },
  ];
  const steady: Signal[] = [
    { signal: `${base.tag} second-half gain ÷ first-half gain`, value: Number.isFinite(ratio) ? ratio : 'first half flat', threshold: `≥ ${SLOW.halfRatio}`, step: null, fired: g.second > 0 && ratio >= SLOW.halfRatio },
    { signal: `${base.tag} total improvement`, value: pct(rel), threshold: `< ${pct(SLOW.maxGain, 0)} of its start`, step: null, fired: rel < SLOW.maxGain },
  ];
  // In a GAN the validation L1 can improve at a similar pace in healthy and slow runs; the adversarial
  // losses tell them apart (healthy: settled after the first epochs, second-half move ≈ 0). Either
  // witness suffices there: the adversarial drift, or the steady small progress of the curve itself.
  let drift: Signal | null = null;
  if (sig.gan) {
    const parts = [sig.genAdv!, sig.discAdv!].map((s) => {
      const h = halfGains(blockCurve(s).y);
      return { tag: s.tag, ratio: h.first > 0 && h.second > 0 ? h.second / h.first : 0 };
    });
    drift = { signal: 'adversarial losses still drifting (second-half ÷ first-half move)', value: parts.map((d) => `${d.tag} ${fmtNum(d.ratio, 2)}`).join(', '), threshold: `≥ ${SLOW.ganHalfRatio} each`, step: null, fired: parts.every((d) => d.ratio >= SLOW.ganHalfRatio) };
  }
  const all = (xs: Signal[]) => xs.every((x) => x.fired);
  if (!all(common) || !(all(steady) || drift?.fired)) return [];
  const signals = [...common, ...(drift?.fired ? [drift] : steady), ...(drift && !drift.fired ? [drift] : [])];
  const lr = input.events.lrAt(input.budget.lastStep) ?? input.budget.genLr;
  return [
    {
      kind: 'slow_convergence',
      severity: 'warning',
      metrics: [base.tag],
      startStep: input.budget.firstStep,
      endStep: input.budget.lastStep,
      summary: `${base.tag} is still improving at the end (Mann–Kendall z = ${fmtNum(z, 3)} over the last ${pct(SLOW.tailShare, 0)}) and as fast as in the first half (${Number.isFinite(ratio) ? `${fmtNum(ratio, 2)}×` : 'more'}): far from converged${lr !== null ? ` at LR ${fmtNum(lr)}` : ''} — the LR is likely too low.`,
      evidence: { signals, thresholds: { ...SLOW } },
      suggestions: [],
    },
  ];
}
