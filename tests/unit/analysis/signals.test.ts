import { describe, expect, it } from 'vitest';
import { epochAt, loggedEpochSteps, windowMedians, smooth } from '../../../server/analysis/signals';
import { makeRun } from '../../helpers/runData';

describe('analysis signals', () => {
  it('epoch length from the logged counter, whatever limit_train_batches says; logging that starts mid-epoch does not bias it', () => {
    // 3 steps per epoch, first logged at step 9 of epoch 3
    const steps = Array.from({ length: 200 }, (_, i) => 9 + i);
    const run = { ...makeRun({ steps: 10, context: { limitTrainBatches: 25000 } }), epoch: { tag: 'epoch', steps, values: steps.map((s) => Math.floor(s / 3)) } };
    expect(loggedEpochSteps(run)).toBe(3);
    expect(epochAt(run, 100)).toBe(33);
    expect(loggedEpochSteps(makeRun({ steps: 10 }))).toBeNull();
  });

  it('window medians and the running median are robust to one outlier', () => {
    expect(windowMedians([1, 1, 100, 1, 2, 2, 2, 2], 2)).toEqual([1, 2]);
    expect(smooth([1, 1, 100, 1, 1], 3)).toEqual([1, 1, 1, 1, 1]);
  });

  it('reductions over 1M points stay loops (no stack overflow)', () => {
    const y = Float64Array.from({ length: 1_000_000 }, (_, i) => Math.sin(i));
    expect(windowMedians(y, 8)).toHaveLength(8);
  });
});
