import { describe, expect, it } from 'vitest';
import { generateRun } from '../../../scripts/eval/synthetic';
import { diagnoseRun, prepareRun } from '../../../server/analysis/diagnose';
import { detectOverfitting } from '../../../server/analysis/detectors/overfitting';
import type { RunData, SeriesInput } from '../../../server/analysis/types';
import { specWith } from '../../helpers/analysisSpec';

const spec = specWith({ seed: 41 });

const over = (run: RunData) => detectOverfitting(prepareRun(run));

/** A generic Lightning run: train_loss every 10 steps, val_loss every 500. */
function generic(val: (epoch: number) => number, train: (step: number) => number, epochs = 20): RunData {
  const ts: number[] = [];
  for (let s = 9; s < epochs * 500; s += 10) ts.push(s);
  const vs = Array.from({ length: epochs }, (_, e) => (e + 1) * 500 - 1);
  const series: SeriesInput[] = [
    { tag: 'train_loss', steps: ts, values: ts.map((s, i) => train(s) * (1 + 0.01 * Math.sin(i * 2.3))) },
    { tag: 'val_loss', steps: vs, values: vs.map((_, e) => val(e)) },
  ];
  return {
    context: { genLr: 1e-3, discLr: null, genOptimizer: 'adam', batchSize: 32, maxEpochs: epochs, limitTrainBatches: 500, valCheckInterval: 500, logEveryNSteps: 10, gradientClipVal: null, scheduler: null, lastStep: epochs * 500 - 1 },
    series,
  };
}

describe('overfitting detector', () => {
  it('finds validation losses rising after their best while training still improves (GL > 5, UP)', () => {
    const run = generateRun(spec({ overfitting: { t0: 9 * 2500 - 1, perEpoch: 0.04 } }));
    const [f] = over(run);
    expect(f.kind).toBe('overfitting');
    expect(f.severity).toBe('warning');
    expect(Math.abs(Number(f.evidence.bestStep) - (9 * 2500 - 1))).toBeLessThanOrEqual(2500);
    expect(Number(f.evidence.gl)).toBeGreaterThan(5);
    expect(f.metrics.some((m) => m.startsWith('val_gen_'))).toBe(true);
    expect(f.metrics.some((m) => m.startsWith('train_gen_'))).toBe(true);
  });

  it('works on a generic train_loss / val_loss pair', () => {
    const run = generic((e) => (e < 8 ? 1 - 0.05 * e : 0.6 + 0.03 * (e - 8)), (s) => 1 / (1 + s / 1000));
    const [f] = over(run);
    expect(f.metrics).toEqual(['val_loss', 'train_loss']);
    // 1 − 0.05e falls to 0.6 at e = 8, then rises
    expect(f.evidence.bestStep).toBe(9 * 500 - 1);
  });

  it('a rising validation loss while training is flat too is drift, not overfitting', () => {
    const run = generic((e) => (e < 8 ? 1 - 0.05 * e : 0.6 + 0.03 * (e - 8)), () => 0.5);
    expect(over(run)).toEqual([]);
  });

  it('healthy runs with validation jitter do not overfit', () => {
    expect(over(generateRun(spec({ valNoise: 0.015 })))).toEqual([]);
    expect(over(generateRun(spec({ seed: 42, valNoise: 0.02, endFrac: 0.6 })))).toEqual([]);
  });

  it('a FID-only rise with flat SSIM / L1 is GAN degradation, not overfitting', () => {
    const run = generateRun(spec({ gan: { t0: 20000, variant: 'g_fooling_d', tau: 0.03 } }));
    const kinds = diagnoseRun(run).map((f) => f.kind);
    expect(kinds).not.toContain('overfitting');
    expect(kinds).toContain('gan_imbalance');
  });

  it('warm restarts make the validation loss rise after each restart: only the current cycle is judged', () => {
    const run = generateRun(spec({ epochSteps: 1000, maxEpochs: 36, schedule: { kind: 'sgdr', t0: 1000, tMult: 2, kappa: 0.2, logged: false } }));
    expect(over(run)).toEqual([]);
  });

  it('needs at least two worse validations after the best (GL > 5 at both, UP₂)', () => {
    expect(over(generateRun(spec({ maxEpochs: 6, overfitting: { t0: 5 * 2500 - 1, perEpoch: 0.08 } })))).toEqual([]);
    expect(over(generateRun(spec({ maxEpochs: 7, overfitting: { t0: 5 * 2500 - 1, perEpoch: 0.08 } }))).length).toBe(1);
  });

  it('suggests keeping the best checkpoint and decaying the LR', () => {
    const f = diagnoseRun(generateRun(spec({ overfitting: { t0: 9 * 2500 - 1, perEpoch: 0.04 } }))).find((x) => x.kind === 'overfitting')!;
    expect(f.suggestions[0].scheduler).toBe('MultiStepLR');
    expect(f.suggestions[0].title).toMatch(/Keep the checkpoint of step/);
  });
});
