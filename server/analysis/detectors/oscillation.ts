// Oscillation (docs/diagnosis.md §Oscillation). Where real runs show it:
//   O1 GAN step too large: LaMa's adversarial losses (train_gen_adv, train_discr_adv) swing around
//      their trend — detrended residual s.d. ≥ 0.4 × their level (healthy runs: G 0.02–0.05, D 0.10–0.29;
//      a winning discriminator: 0.2–0.28; LRs 20–50× too high or growing: 0.5–2.5), on ≥ 24 logged points
//      (a run that diverges early has few points before it). The L1 loss is dominated by mask-size noise
//      and is no witness here.
//   O2 validation zig-zag: the validation loss reverses direction by ≥ 1.5× at least 3 times, on ≥ 20%
//      of its transitions (real runs at a too-high constant LR: 1.8 ↔ 8.3, or 100× bounces).
import { mean, runningMedian } from '../robust';
import type { AnalysisInput, Finding, PreparedSeries, Signal } from '../types';
import { fmtNum } from '../format';
import { pickSignals } from '../signals';

export const OSCILLATION = {
  /** O1: residual s.d. / level */
  residualCv: 0.4,
  /** running-median width (logged points) for the O1 trend */
  detrendWidth: 9,
  /** O1 needs this many logged points after warm-up */
  minPoints: 24,
  /** O2: a reversal counts when both moves are ≥ this factor */
  swingFactor: 1.5,
  minReversals: 3,
  reversalShare: 0.2,
  minValidations: 6,
};

/** Residual coefficient of variation of a positive training series after warm-up. */
export function residualCv(s: PreparedSeries, fromStep: number): { cv: number; n: number; from: number } | null {
  const xs: number[] = [];
  let from = NaN;
  for (let i = 0; i < s.values.length; i++) {
    if (s.steps[i] < fromStep || !Number.isFinite(s.values[i])) continue;
    if (Number.isNaN(from)) from = s.steps[i];
    xs.push(s.values[i]);
  }
  if (xs.length < OSCILLATION.minPoints) return null;
  const x = Float64Array.from(xs);
  const level = mean(x);
  if (!(level > 0)) return null;
  const trend = runningMedian(x, OSCILLATION.detrendWidth);
  let ss = 0;
  for (let i = 0; i < x.length; i++) ss += (x[i] - trend[i]) ** 2;
  return { cv: Math.sqrt(ss / x.length) / level, n: x.length, from };
}

/** Direction reversals of a positive curve by ≥ swingFactor on both sides. */
export function zigZag(y: ArrayLike<number>, steps: ArrayLike<number>): { reversals: number; transitions: number; firstStep: number | null; maxSwing: number } {
  const d: number[] = [];
  const at: number[] = [];
  for (let i = 1; i < y.length; i++) {
    if (!(y[i] > 0 && y[i - 1] > 0)) continue;
    d.push(Math.log(y[i] / y[i - 1]));
    at.push(steps[i - 1]);
  }
  const big = Math.log(OSCILLATION.swingFactor);
  let reversals = 0;
  let firstStep: number | null = null;
  let maxSwing = 0;
  for (let i = 1; i < d.length; i++) {
    if (Math.sign(d[i]) !== Math.sign(d[i - 1]) && Math.abs(d[i]) >= big && Math.abs(d[i - 1]) >= big) {
      reversals++;
      if (firstStep === null) firstStep = at[i - 1];
      maxSwing = Math.max(maxSwing, Math.exp(Math.max(Math.abs(d[i]), Math.abs(d[i - 1]))));
    }
  }
  return { reversals, transitions: Math.max(0, d.length - 1), firstStep, maxSwing };
}

export function detectOscillation(input: AnalysisInput): Finding[] {
  const sig = pickSignals(input);
  const signals: Signal[] = [];
  const fired: { tag: string; start: number; text: string; player: 'generator' | 'discriminator' | null }[] = [];
  const warm = input.budget.firstStep + 0.1 * (input.budget.lastStep - input.budget.firstStep);
  for (const [s, player] of [
    [sig.genAdv, 'generator'],
    [sig.discAdv, 'discriminator'],
  ] as const) {
    if (!s) continue;
    const r = residualCv(s, warm);
    if (!r) continue;
    const ok = r.cv >= OSCILLATION.residualCv;
    signals.push({ signal: `${s.tag} swing around its trend (residual s.d. ÷ level)`, value: r.cv, threshold: `≥ ${OSCILLATION.residualCv}`, step: r.from, fired: ok });
    if (ok) fired.push({ tag: s.tag, start: r.from, player, text: `${s.tag} swings ${fmtNum(r.cv * 100, 3)}% of its level around its trend` });
  }
  const v = sig.val;
  if (v && v.info.direction === 'min') {
    const y: number[] = [];
    const st: number[] = [];
    for (let i = 0; i < v.values.length; i++)
      if (Number.isFinite(v.values[i])) {
        y.push(v.values[i]);
        st.push(v.steps[i]);
      }
    if (y.length >= OSCILLATION.minValidations) {
      const z = zigZag(y, st);
      const share = z.transitions ? z.reversals / z.transitions : 0;
      const ok = z.reversals >= OSCILLATION.minReversals && share >= OSCILLATION.reversalShare;
      signals.push({ signal: `${v.tag} reversals by ≥ ${OSCILLATION.swingFactor}×`, value: `${z.reversals} of ${z.transitions}`, threshold: `≥ ${OSCILLATION.minReversals} and ≥ ${OSCILLATION.reversalShare * 100}%`, step: z.firstStep, fired: ok });
      if (ok && z.firstStep !== null) fired.push({ tag: v.tag, start: z.firstStep, player: null, text: `${v.tag} zig-zags (${z.reversals} reversals of up to ${fmtNum(z.maxSwing, 3)}×)` });
    }
  }
  if (!fired.length) return [];
  let start = fired[0].start;
  for (const f of fired) if (f.start < start) start = f.start;
  const players = [...new Set(fired.map((f) => f.player).filter((p): p is 'generator' | 'discriminator' => p !== null))];
  const medLr = input.budget.genLr;
  return [
    {
      kind: 'oscillation',
      severity: 'warning',
      metrics: fired.map((f) => f.tag),
      startStep: start,
      endStep: input.budget.lastStep,
      summary: `Training oscillates: ${fired.map((f) => f.text).join('; ')} — the step is too large${medLr !== null ? ` at G lr ${fmtNum(medLr)}` : ''}.`,
      evidence: { players: players.length ? players : ['generator'], signals, thresholds: { ...OSCILLATION } },
      suggestions: [],
    },
  ];
}

