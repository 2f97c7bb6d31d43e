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

describe('LR tags', () => {
  it('every common spelling is an LR tag, and the slot says which optimizer / param group', async () => {
    const { isLrTag, lrTagSlot, classifyTag } = await import('../../../server/domain/tags');
    for (const t of ['lr-Adam', 'lr-Adam-1', 'lr', 'learning_rate', 'train/learning_rate', 'lr/generator', 'lr-AdamW/pg1', 'trainer/lr', 'learning_rate_epoch', 'lr-SGD'])
      expect(isLrTag(t), t).toBe(true);
    for (const t of ['train_gen_l1', 'val_loss', 'train_loss_step', 'epoch', 'val_ssim_total_mean']) expect(isLrTag(t), t).toBe(false);
    expect(lrTagSlot('lr-Adam-1')).toEqual({ optimizer: 1, group: 0 });
    expect(lrTagSlot('lr-AdamW/pg2')).toEqual({ optimizer: 0, group: 2 });
    expect(classifyTag('lr-Adam').role).toBe('lr');
    expect(classifyTag('train/loss')).toMatchObject({ role: 'sup', base: 'loss' });
    expect(classifyTag('valid_loss')).toMatchObject({ role: 'val_loss', direction: 'min' });
    expect(classifyTag('val_acc_epoch')).toMatchObject({ role: 'val_quality', direction: 'max', granularity: 'epoch' });
    expect(classifyTag('val_acc_step').role).toBe('ignore');
    expect(classifyTag('val_lpips_total_mean')).toMatchObject({ role: 'val_quality', direction: 'min' });
    expect(classifyTag('val_ssim_fid100_f1_total_mean')).toMatchObject({ direction: 'max', monitor: true });
    expect(classifyTag('train_disc_loss').role).toBe('ignore');
  });
});
