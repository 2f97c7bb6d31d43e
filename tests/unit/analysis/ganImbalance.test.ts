import { describe, expect, it } from 'vitest';
import { demoRun, generateRun } from '../../../scripts/eval/synthetic';
import { diagnoseRun, prepareRun } from '../../../server/analysis/diagnose';
import { detectGanImbalance, GAN } from '../../../server/analysis/detectors/ganImbalance';
import type { RunData } from '../../../server/analysis/types';
import { specWith } from '../../helpers/analysisSpec';

const spec = specWith({ seed: 51 });

const gan = (run: RunData) => detectGanImbalance(prepareRun(run));

describe('GAN imbalance detector', () => {
  it('D winning: train_discr_adv collapses below 0.2 while the logits separate and G adv loss climbs', () => {
    const [f] = gan(generateRun(spec({ gan: { t0: 20000, variant: 'd_winning', tau: 0.04 } })));
    expect(f.kind).toBe('gan_imbalance');
    expect(f.evidence.subtype).toBe('d_winning');
    expect(Number(f.evidence.discLossNow)).toBeLessThan(GAN.winningLd);
    expect(Number(f.evidence.logitGapNow)).toBeGreaterThan(Number(f.evidence.logitGapEarly));
    expect(f.startStep).toBeGreaterThanOrEqual(20000 - 2500);
    expect(f.metrics).toContain('train_adv_discr_real_out');
  });

  it('D not learning: the D loss sits at 2·ln 2 with almost no variance and no logit gap', () => {
    const [f] = gan(generateRun(spec({ gan: { t0: 15000, variant: 'd_not_learning', tau: 0.04 } })));
    expect(f.evidence.subtype).toBe('d_not_learning');
    expect(Math.abs(Number(f.evidence.discLoss) / (2 * Math.LN2) - 1)).toBeLessThan(0.05);
  });

  it('G fooling D: the D loss rises back to chance while the G adversarial loss falls', () => {
    const [f] = gan(generateRun(spec({ gan: { t0: 20000, variant: 'g_fooling_d', tau: 0.04 } })));
    expect(f.evidence.subtype).toBe('g_fooling_d');
    expect(f.metrics).toContain('train_gen_adv');
  });

  it('FID degradation with flat SSIM / L1 (no adversarial tags logged) is GAN degradation', () => {
    const run = generateRun(spec({ gan: { t0: 20000, variant: 'g_fooling_d', tau: 0.02 } }));
    run.series = run.series.filter((s) => !/adv|discr/.test(s.tag) || s.tag.startsWith('val_'));
    const [f] = gan(run);
    expect(f.evidence.subtype).toBe('degradation');
    expect(Number(f.evidence.fidRise)).toBeGreaterThan(GAN.fidRise);
  });

  it('the demo gan_imbalance scenario: D as fast as G wins', () => {
    const { run, onset } = demoRun('gan_imbalance');
    const [f] = gan(run);
    expect(f.evidence.subtype).toBe('d_winning');
    expect(f.startStep).toBeGreaterThanOrEqual(onset! - 1000);
    const d = diagnoseRun(run).find((x) => x.kind === 'gan_imbalance')!;
    expect(d.suggestions[0].scheduler).toBe('gd_ratio');
    expect(d.suggestions[0].params.discLr).toBeCloseTo(5e-4, 12);
  });

  it('hard negatives: noisy but healthy GAN losses, a healthy run, overfitting (val L1 rises too)', () => {
    for (const seed of [52, 53, 54]) expect(gan(generateRun(spec({ seed, ganNoise: 0.25, ganPhi: 0.8, heavy: true, ganWander: 1 })))).toEqual([]);
    expect(gan(generateRun(spec()))).toEqual([]);
    expect(gan(generateRun(spec({ overfitting: { t0: 9 * 2500 - 1, perEpoch: 0.05 } })))).toEqual([]);
  });

  it('a healthy discriminator starting at chance is not "not learning" (its loss is noisy)', () => {
    const run = generateRun(spec({ dLogit: 0.05, ganNoise: 0.03 }));
    expect(gan(run)).toEqual([]);
  });
});
