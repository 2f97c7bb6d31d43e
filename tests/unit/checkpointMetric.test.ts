import { describe, it, expect } from 'vitest';
import { checkpointMetric, betterCheckpointTag } from '../../server/domain/checkpointMetric';

describe('checkpoint metric from tag names', () => {
  it('LaMa: val_ssim_fid100_f1_total_mean (max), before any validation loss', () => {
    const tags = ['train_gen_l1', 'val_gen_l1', 'val_loss', 'val_ssim_fid100_f1_total_mean', 'val_fid_total_mean', 'epoch'];
    expect(checkpointMetric(tags)).toEqual({ tag: 'val_ssim_fid100_f1_total_mean', mode: 'max' });
  });

  it('Lightning: the validation loss in any common spelling (min); the plain name before _epoch', () => {
    expect(checkpointMetric(['train_loss', 'val/loss'])).toEqual({ tag: 'val/loss', mode: 'min' });
    expect(checkpointMetric(['valid_loss', 'train_loss_step'])).toEqual({ tag: 'valid_loss', mode: 'min' });
    expect(checkpointMetric(['val_loss_epoch', 'val_loss'])).toEqual({ tag: 'val_loss', mode: 'min' });
    expect(checkpointMetric(['val_loss_epoch', 'val_loss_step'])).toEqual({ tag: 'val_loss_epoch', mode: 'min' });
  });

  it('none without a monitor-like tag; per-step validation values and other metrics are not one', () => {
    expect(checkpointMetric(['train_loss', 'val_acc', 'val_loss_step', 'lr-Adam', 'hp_metric'])).toBeNull();
    expect(checkpointMetric([])).toBeNull();
  });

  it('betterCheckpointTag is a strict order (the same tag is not better than itself)', () => {
    expect(betterCheckpointTag('val_loss', null)).toBe(true);
    expect(betterCheckpointTag('val_loss', 'val_loss')).toBe(false);
    expect(betterCheckpointTag('val_ssim_fid100_f1_total_mean', 'val_loss')).toBe(true);
    expect(betterCheckpointTag('val_loss', 'val_ssim_fid100_f1_total_mean')).toBe(false);
    expect(betterCheckpointTag('train_loss', null)).toBe(false);
  });
});
