import { describe, it, expect } from 'vitest';
import { groupTags, differenceLabels } from '../../app/_components/tagGroups';

describe('groupTags', () => {
  it('groups LaMa tags the way its users read them', () => {
    const g = groupTags([
      'train_gen_l1', 'train_gen_fm', 'train_discr_adv', 'train_adv_discr_real_out', 'val_gen_l1', 'val_ssim_total_mean',
      'val_ssim_fid100_f1_total_mean', 'val_ssim_10-20%_mean', 'val_ssim_10-20%_std', 'lr-Adam', 'epoch', 'gpu_id: 0/memory.used (MB)', 'hp_metric',
    ]);
    const by = Object.fromEntries(g.map((x) => [x.id, x.tags]));
    expect(by.gen).toEqual(['train_gen_fm', 'train_gen_l1']);
    expect(by.disc).toEqual(['train_adv_discr_real_out', 'train_discr_adv']);
    expect(by.valLoss).toEqual(['val_gen_l1']);
    expect(by.valQuality).toEqual(['val_ssim_fid100_f1_total_mean', 'val_ssim_total_mean']);
    expect(by.buckets).toEqual(['val_ssim_10-20%_mean']);
    expect(by.lr).toEqual(['lr-Adam']);
    expect(by.other).toEqual(['epoch', 'hp_metric', 'val_ssim_10-20%_std']);
    expect(JSON.stringify(g)).not.toContain('gpu_id');
  });
});

describe('differenceLabels', () => {
  it('names what differs, preferring LR and batch size', () => {
    const labels = differenceLabels(['a', 'b'], [
      { key: 'location.tb_dir', values: ['/x', '/y'] },
      { key: 'optimizers.generator.lr', values: [0.001, 0.0005] },
      { key: 'data.batch_size', values: [10, 32] },
    ]);
    expect(labels).toEqual(['lr_g=1e-3 bs=10', 'lr_g=5e-4 bs=32']);
  });
  it('falls back to run names when nothing differs', () => {
    expect(differenceLabels(['a', 'b'], [])).toEqual(['a', 'b']);
  });
});
