// GAN imbalance (docs/diagnosis.md §GAN imbalance), LaMa's adversarial pair after warm-up:
//   the discriminator wins — its loss (train_discr_adv) falls (window medians: last ≤ 0.8× first)
//   while the generator's adversarial loss (train_gen_adv) rises (last ≥ 1.3× first), one of the two
//   trends beyond noise (Mann–Kendall |z| ≥ 2.5 on 16 window medians). Healthy LaMa runs settle both
//   within the first epochs.
// Onset: where D's loss went below 0.2 for good (softplus margin > 1.5 logits: D separates real and
// fake with confidence), else where G's loss had made half of its rise.
import type { AnalysisInput, Finding, Signal } from '../types';
import { fmtNum } from '../format';
import { blockCurve, pickSignals, smooth, trendZ, windowMedians } from '../signals';

export const GAN = {
  genRise: 1.3,
  discFall: 0.8,
  z: 2.5,
  confidentDiscLoss: 0.2,
  warmShare: 0.1,
  minBlocks: 16,
};

export function detectGanImbalance(input: AnalysisInput): Finding[] {
  const sig = pickSignals(input);
  if (!sig.gan) return [];
  const from = input.budget.firstStep + GAN.warmShare * (input.budget.lastStep - input.budget.firstStep);
  const g = blockCurve(sig.genAdv!, from);
  const d = blockCurve(sig.discAdv!, from);
  if (g.y.length < GAN.minBlocks || d.y.length < GAN.minBlocks) return [];
  const wg = windowMedians(g.y, 8);
  const wd = windowMedians(d.y, 8);
  const rise = wg[0] > 0 ? wg[7] / wg[0] : 0;
  const fall = wd[0] > 0 ? wd[7] / wd[0] : Infinity;
  // trend on 16 window medians (no autocorrelation correction: the medians are far apart), so a rise
  // that happens in a few epochs and then holds counts as fully as a steady one
  const zg = trendZ(windowMedians(g.y, 16), 'none');
  const zd = trendZ(windowMedians(d.y, 16), 'none');
  const signals: Signal[] = [
    { signal: `${sig.genAdv!.tag} end ÷ start (after warm-up)`, value: rise, threshold: `≥ ${GAN.genRise}`, step: g.steps[0], fired: rise >= GAN.genRise },
    { signal: `${sig.discAdv!.tag} end ÷ start (after warm-up)`, value: fall, threshold: `≤ ${GAN.discFall}`, step: d.steps[0], fired: fall <= GAN.discFall },
    { signal: `${sig.genAdv!.tag} rising (Mann–Kendall z, 16 window medians)`, value: zg, threshold: `≥ ${GAN.z}, or D's fall below`, step: g.steps[0], fired: zg >= GAN.z },
    { signal: `${sig.discAdv!.tag} falling (Mann–Kendall z, 16 window medians)`, value: zd, threshold: `≤ −${GAN.z}, or G's rise above`, step: d.steps[0], fired: zd <= -GAN.z },
  ];
  // both ratios, and at least one of the two trends beyond noise (D's loss is the noisier one)
  if (!(signals[0].fired && signals[1].fired && (signals[2].fired || signals[3].fired))) return [];
  // onset: D's loss below the confident level from here on, else G's half-rise
  let onset: number | null = null;
  const ds = smooth(d.y, 2 * Math.floor(d.y.length / 200) + 5);
  for (let i = ds.length - 1; i >= 0 && ds[i] < GAN.confidentDiscLoss; i--) onset = d.steps[i];
  if (onset === null) {
    const half = wg[0] + (wg[7] - wg[0]) / 2;
    const k = Math.max(0, wg.findIndex((v) => v >= half));
    onset = g.steps[Math.min(g.steps.length - 1, Math.floor((k * g.steps.length) / 8))];
  }
  return [
    {
      kind: 'gan_imbalance',
      severity: 'warning',
      metrics: [sig.discAdv!.tag, sig.genAdv!.tag],
      startStep: onset,
      endStep: input.budget.lastStep,
      summary: `The discriminator wins: ${sig.discAdv!.tag} fell to ${fmtNum(fall, 2)}× its level after warm-up (to ${fmtNum(wd[7], 3)}) while ${sig.genAdv!.tag} rose ${fmtNum(rise, 2)}× (to ${fmtNum(wg[7], 3)}) — the generator cannot keep up${input.budget.genLr !== null && input.budget.discLr !== null ? ` (G lr ${fmtNum(input.budget.genLr)}, D lr ${fmtNum(input.budget.discLr)})` : ''}.`,
      evidence: { subtype: 'd_winning', signals, thresholds: { ...GAN } },
      suggestions: [],
    },
  ];
}
