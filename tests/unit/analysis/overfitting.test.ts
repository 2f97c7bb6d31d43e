import { describe, expect, it } from 'vitest';
import { diagnoseRun, prepareRun } from '../../../server/analysis/diagnose';
import { bestOf, detectOverfitting } from '../../../server/analysis/detectors/overfitting';
import type { RunData } from '../../../server/analysis/types';
import { makeRun, noise } from '../../helpers/runData';

const over = (run: RunData) => detectOverfitting(prepareRun(run));

function run(val: (s: number) => number, train: (s: number) => number, seed = 1): RunData {
  const n = noise(seed);
  return makeRun({ steps: 3000, train: { train_loss: (s) => train(s) * (1 + 0.05 * n()) }, val: { val_loss: (s) => val(s) * (1 + 0.005 * n()) } });
}

describe('overfitting detector', () => {
  it('bestOf: the best validation, how many came after, and the end level against it', () => {
    const s = prepareRun(makeRun({ steps: 1000, val: { val_loss: (_, i) => [5, 4, 3, 3.5, 3.6, 3.7, 3.8, 3.9, 4, 4.1][i] } })).val[0];
    expect(bestOf(s)).toMatchObject({ idx: 2, step: 299, after: 7 });
    expect(bestOf(s)!.endGap).toBeCloseTo(4 / 3 - 1, 6);
  });

  it('validation rises after its best while training keeps falling: from the best step, with its checkpoint', () => {
    const [f] = over(run((s) => 0.5 + 0.0001 * Math.abs(s - 900), (s) => 1 / (1 + s / 300)));
    expect(f.kind).toBe('overfitting');
    expect(f.startStep).toBe(899);
    expect(f.evidence.checkpoint).toBe('epoch=8-step=899');
    expect(f.summary).toMatch(/val_loss was best at step 899 .* while train_loss kept falling \d+%/);
  });

  it('validation worse after its best but training flat too: not overfitting', () => {
    expect(over(run((s) => 0.5 + 0.0001 * Math.abs(s - 900), () => 0.3))).toEqual([]);
  });

  it('fewer than 5 validations after the best: no verdict yet', () => {
    expect(over(run((s) => 0.5 + 0.0001 * Math.abs(s - 2600), (s) => 1 / (1 + s / 300)))).toEqual([]);
  });

  it('suggests keeping the best checkpoint', () => {
    const [f] = diagnoseRun(run((s) => 0.5 + 0.0001 * Math.abs(s - 900), (s) => 1 / (1 + s / 300))).filter((x) => x.kind === 'overfitting');
    expect(f.suggestions.length).toBeGreaterThan(0);
  });
});
