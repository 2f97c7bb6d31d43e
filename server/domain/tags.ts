// What a logged tag is — one classifier for the charts, the run loader and the diagnosis.
// LaMa's names (docs/lama-run-format.md §2.2) first, then the spellings seen in real Lightning
// CSVs (train_loss_step / _epoch, train/loss, trainer/loss, valid_loss, val/loss, lr-AdamW/pg1,
// learning_rate, trainer/lr …). Direction of a metric comes from its name (docs/diagnosis.md).

export type TagRole =
  /** supervised / reconstruction training loss (L1, perceptual, feature matching, generic loss) */
  | 'sup'
  /** generator adversarial loss (LaMa: train_gen_adv) */
  | 'gen_adv'
  /** discriminator loss (LaMa: train_discr_adv) */
  | 'disc_adv'
  | 'real_out'
  | 'fake_out'
  | 'real_gp'
  /** a training quality metric (accuracy …): not used for trends */
  | 'train_metric'
  /** validation loss (lower is better) */
  | 'val_loss'
  /** validation quality metric (direction per metric) */
  | 'val_quality'
  /** a logged learning rate */
  | 'lr'
  | 'ignore';

export interface TagInfo {
  role: TagRole;
  /** which way is better */
  direction: 'min' | 'max';
  /** the checkpoint monitor (LaMa: val_ssim_fid100_f1_total_mean), or a generic val loss */
  monitor: boolean;
  /** normalised name without the split prefix and the _step/_epoch suffix, e.g. gen_l1, loss */
  base: string;
  /** Lightning's on_step / on_epoch variants of one metric */
  granularity: 'step' | 'epoch' | null;
}

const IGNORE: TagInfo = { role: 'ignore', direction: 'min', monitor: false, base: '', granularity: null };

/** A learning-rate tag in any common spelling: lr-Adam, lr-Adam-1, lr, learning_rate, train/learning_rate, lr/*, lr-AdamW/pg1, trainer/lr. */
export function isLrTag(tag: string): boolean {
  const t = tag.trim().toLowerCase().replace(/^(train(er)?|optim(izer)?|opt)[/_.]/, '');
  return /^(lr|learning_rate)($|[-_/.])/.test(t) || /(^|[/_])(lr|learning_rate)(_epoch|_step)?$/.test(t);
}

/**
 * Which optimizer / param group an LR tag belongs to. LearningRateMonitor names the first optimizer
 * `lr-Adam` and the next `lr-Adam-1`; param groups get `/pg1`, `/pg2`. In LaMa optimizer 0 is the
 * generator, optimizer 1 the discriminator.
 */
export function lrTagSlot(tag: string): { optimizer: number; group: number } {
  const t = tag.toLowerCase();
  const opt = /^lr-[a-z0-9_]+-(\d+)(\/|$)/.exec(t);
  const pg = /\/pg(\d+)$/.exec(t);
  return { optimizer: opt ? Number(opt[1]) : 0, group: pg ? Number(pg[1]) : 0 };
}

// loss-like (lower is better) and quality-like (higher is better) name parts
const LOSS_PART = /(^|_)(l1|l2|mse|mae|rmse|mape|smape|pl|fm|resnet_pl|perceptual|loss|nll|ce|recon|huber|kl|cross_entropy|error|err|bce)($|_)/;
const MAX_PART = /(f1|ssim|psnr|acc|accuracy|iou|dice|auc|r2|precision|recall|corr|ndcg|map_at|bleu|gleu|score)/;
const MIN_METRIC = /(lpips|fid|error|err|mae|mse|rmse|mape)/;

function split(t: string): { split: 'train' | 'val' | null; base: string } {
  for (const [p, s] of [
    ['train_', 'train'],
    ['trainer_', 'train'],
    ['training_', 'train'],
    ['val_', 'val'],
    ['valid_', 'val'],
    ['validation_', 'val'],
  ] as const)
    if (t.startsWith(p)) return { split: s, base: t.slice(p.length) };
  if (LOSS_PART.test(t) && /(^|_)loss($|_)/.test(t)) return { split: 'train', base: t };
  return { split: null, base: t };
}

/** What a tag is. */
export function classifyTag(tag: string): TagInfo {
  if (isLrTag(tag)) return { ...IGNORE, role: 'lr' };
  const t = tag.trim().toLowerCase().replace(/[/.]/g, '_');
  if (
    t === 'epoch' ||
    t === 'step' ||
    t === 'hp_metric' ||
    t.startsWith('gpu') ||
    t.startsWith('_') ||
    t.startsWith('test_') ||
    t.startsWith('extra_val_') ||
    t.includes('grad_norm') ||
    /_std$/.test(t) ||
    /\d+-\d+%/.test(t)
  )
    return IGNORE;
  const sp = split(t);
  if (sp.split === null) return IGNORE;
  let base = sp.base;
  let granularity: TagInfo['granularity'] = null;
  const g = /_(step|epoch)$/.exec(base);
  if (g) {
    granularity = g[1] as 'step' | 'epoch';
    base = base.slice(0, -g[0].length);
  }
  if (sp.split === 'train') {
    const mk = (role: TagRole, direction: 'min' | 'max' = 'min'): TagInfo => ({ role, direction, monitor: false, base, granularity });
    if (base === 'discr_adv') return mk('disc_adv');
    if (base.startsWith('discr_adv_')) return IGNORE;
    if (base === 'gen_adv') return mk('gen_adv');
    if (base === 'adv_discr_real_out') return mk('real_out', 'max');
    if (base === 'adv_discr_fake_out') return mk('fake_out');
    if (base === 'adv_discr_real_gp') return mk('real_gp');
    // a generic GAN's losses (WGAN critics go negative): neither supervised nor LaMa's adversarial pair
    if (/(^|_)(gen|disc|g|d|critic)_loss$/.test(base) || /^loss_(gen|disc|g|d)$/.test(base)) return IGNORE;
    if (LOSS_PART.test(base)) return mk('sup');
    if (MAX_PART.test(base)) return mk('train_metric', 'max');
    return IGNORE;
  }
  // validation: per-batch values inside one validation loop are not a curve over training
  if (granularity === 'step') return IGNORE;
  if (base === 'gen_adv' || base === 'gen_fm' || base.startsWith('discr')) return IGNORE;
  // quality first: f1 must be matched before fid ("ssim_fid100_f1"), lpips before "pl"
  if (/lpips|fid/.test(base) && !/f1/.test(base)) return { role: 'val_quality', direction: 'min', monitor: false, base, granularity };
  if (LOSS_PART.test(base)) return { role: 'val_loss', direction: 'min', monitor: base === 'loss', base, granularity };
  if (MAX_PART.test(base)) return { role: 'val_quality', direction: 'max', monitor: base === 'ssim_fid100_f1_total_mean', base, granularity };
  if (MIN_METRIC.test(base)) return { role: 'val_quality', direction: 'min', monitor: false, base, granularity };
  return IGNORE;
}
