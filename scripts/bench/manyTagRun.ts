// A finished LaMa run with ~100 scalar tags, written to disk as a LaMa job leaves it (experiments/<run>/ with
// config.yaml and .hydra/, tb_logs/<run>/version_0/<event file>) and then read by the product's ingest. For
// the run-page tests (search, groups, pins, markers, expected NaN) and bench:ui (100 tags × 20k points).
//
// The tags are what a LaMa run logs, padded with `extra/aux_NN` tags up to the wanted count:
// generator / discriminator / validation losses, the quality metrics and their per-bucket means and stds,
// two LR tags, Lightning's `epoch`, `train/loss`, and `hp_metric` — one point (-1 at step 0), as
// Lightning writes it. The last mask-area bucket holds one image: its FID and its stds are NaN at every
// validation (LaMa's rule), so those tags hold only NaN.
import fs from 'node:fs';
import path from 'node:path';
import { encodeFileVersionEvent, encodeScalarEvent, eventRecord, eventFileName } from '../../server/ingest/tfeventsWriter';
import { runFolderName, BUCKETS, type LamaRunSpec } from '../../server/demo/lamaFormat';
import { rng } from '../../server/demo/scenarios';
import { writeRunConfigs } from '../../server/demo/runConfigs';

export const ONE_IMAGE_BUCKET = BUCKETS[BUCKETS.length - 1];

/** The tag list: LaMa's own tags first, then `extra/aux_NN` up to `count` (at least the LaMa ones). */
export function manyTags(count = 100): string[] {
  const tags = [
    'train_gen_l1', 'train_gen_adv', 'train_gen_fm', 'train_gen_resnet_pl',
    'train_discr_adv', 'train_adv_discr_real_out', 'train_adv_discr_fake_out', 'train_adv_discr_real_gp',
    'val_gen_l1', 'val_gen_fm', 'val_gen_resnet_pl',
    'val_ssim_total_mean', 'val_lpips_total_mean', 'val_fid_total_mean', 'val_ssim_fid100_f1_total_mean', 'val_ssim_total_std', 'val_lpips_total_std',
    'lr-Adam', 'lr-Adam-1', 'epoch', 'train/loss', 'hp_metric',
  ];
  for (const b of BUCKETS) tags.push(`val_ssim_${b}_mean`, `val_lpips_${b}_mean`, `val_fid_${b}_mean`, `val_ssim_${b}_std`, `val_lpips_${b}_std`);
  for (let i = 0; tags.length < count; i++) tags.push(`extra/aux_${String(i).padStart(2, '0')}`);
  return tags;
}

/** NaN by LaMa's rule: FID and the stds of a bucket that holds one image. */
function nanByRule(tag: string): boolean {
  return tag === `val_fid_${ONE_IMAGE_BUCKET}_mean` || tag === `val_ssim_${ONE_IMAGE_BUCKET}_std` || tag === `val_lpips_${ONE_IMAGE_BUCKET}_std`;
}

function value(tag: string, k: number, noise: number, spec: LamaRunSpec, idx: number): number {
  const decay = Math.exp(-3 * k);
  if (nanByRule(tag)) return NaN;
  if (tag === 'lr-Adam') return spec.genLr * (k < 0.5 ? 1 : 0.1);
  if (tag === 'lr-Adam-1') return spec.discLr * (k < 0.5 ? 1 : 0.1);
  if (tag === 'epoch') return Math.floor(k * spec.maxEpochs);
  if (tag.startsWith('train_gen') || tag === 'train/loss') return 0.1 + (0.5 + idx * 0.01) * decay + 0.03 * noise;
  if (tag.includes('discr')) return 0.5 - 0.1 * k + 0.05 * noise;
  if (tag.includes('ssim')) return 0.8 + 0.1 * (1 - decay) + 0.01 * noise;
  if (tag.includes('fid')) return 30 * decay + 5 + noise;
  if (tag.includes('lpips')) return 0.3 * decay + 0.05 + 0.01 * noise;
  return 1 + idx * 0.1 + decay + 0.1 * noise;
}

/** Writes the run under `project` (experiments/ and tb_logs/); returns its folder name and the event file's size. */
export function writeManyTagRun(
  project: string,
  o: { tags?: number; points: number; logEvery?: number; seed?: number; user?: string; startedAt?: number },
): { name: string; tags: string[]; bytes: number } {
  const logEvery = o.logEvery ?? 10;
  const spec: LamaRunSpec = {
    user: o.user ?? 'many', startedAt: o.startedAt ?? new Date(2026, 9, 1, 8, 0, 0).getTime(), configName: 'lama-fourier', title: '',
    genLr: 0.001, discLr: 0.0001, batchSize: 10, maxEpochs: 40, limitTrainBatches: Math.max(1, Math.round((o.points * logEvery) / 40)), logEveryNSteps: logEvery,
    tbDir: path.join(project, 'tb_logs'), outRootDir: path.join(project, 'experiments'),
  };
  const tags = manyTags(o.tags ?? 100);
  const name = runFolderName(spec);
  const runDir = path.join(project, 'experiments', name);
  const tbDir = path.join(project, 'tb_logs', name, 'version_0');
  const overrides = [`data.batch_size=${spec.batchSize}`];
  writeRunConfigs(runDir, tbDir, spec, overrides);
  const t0 = spec.startedAt / 1000;
  const fd = fs.openSync(path.join(tbDir, eventFileName(t0, 'many-node', 4343)), 'w');
  const rand = rng(o.seed ?? 77);
  let parts: Buffer[] = [eventRecord(encodeFileVersionEvent(t0)), eventRecord(encodeScalarEvent({ tag: 'hp_metric', step: 0, wallTime: t0 + 1, value: -1 }))];
  let bytes = 0;
  const flush = () => {
    const b = Buffer.concat(parts);
    fs.writeSync(fd, b);
    bytes += b.length;
    parts = [];
  };
  for (let i = 0; i < o.points; i++) {
    const step = i * logEvery + logEvery - 1;
    const k = i / o.points;
    const wallTime = t0 + 5 + step * 0.05;
    tags.forEach((tag, idx) => {
      if (tag === 'hp_metric') return;
      parts.push(eventRecord(encodeScalarEvent({ tag, step, wallTime, value: value(tag, k, rand() * 2 - 1, spec, idx) })));
    });
    if (parts.length >= 20_000) flush();
  }
  flush();
  fs.closeSync(fd);
  return { name, tags, bytes };
}
