// The vocabulary of the diagnosis: input/output contracts, the role of each logged tag, and the
// prepared (cleaned, blocked) series the detectors work on. Pure data + tiny pure helpers.

export interface SeriesInput {
  tag: string;
  steps: number[];
  /** NaN / ±Infinity allowed */
  values: number[];
  /** restart segment per point (a resumed run starts a new segment), optional */
  segments?: number[];
  /** per point: seconds since the Unix epoch (ms are accepted too and recognised by magnitude) */
  wallTimes?: (number | null)[];
}

export interface RunContext {
  genLr: number | null;
  discLr: number | null;
  genOptimizer: string | null;
  batchSize: number | null;
  maxEpochs: number | null;
  /** LaMa epoch length in steps */
  limitTrainBatches: number | null;
  valCheckInterval: number | null;
  logEveryNSteps: number | null;
  gradientClipVal: number | null;
  scheduler: unknown | null;
  lastStep: number | null;
}

export interface RunData {
  context: RunContext;
  series: SeriesInput[];
  /** GPU samples, time in ms since the Unix epoch */
  gpu?: { time: number | null; util: number | null }[];
  /** logged LR tags like lr-Adam, if any */
  lr?: SeriesInput[];
}

export type FindingKind =
  | 'oscillation'
  | 'plateau'
  | 'overfitting'
  | 'divergence'
  | 'gan_imbalance'
  | 'slow_convergence'
  | 'gpu_underutilization';

export const FINDING_KINDS: readonly FindingKind[] = [
  'divergence',
  'oscillation',
  'plateau',
  'overfitting',
  'gan_imbalance',
  'slow_convergence',
  'gpu_underutilization',
];

export type Severity = 'info' | 'warning' | 'critical';

export interface Suggestion {
  title: string;
  /** e.g. 'ReduceLROnPlateau', 'MultiStepLR', 'LinearWarmup', 'CosineAnnealingWarmRestarts', 'CyclicLR', 'lr_scaling', 'gradient_clipping', 'gd_ratio' */
  scheduler: string;
  params: Record<string, unknown>;
  /** YAML for configs/training/optimizers/… */
  config: string;
  /** Python for configure_optimizers, saying exactly where it goes */
  code: string;
  /** [step, lr] over this run's steps: the what-if generator LR curve */
  previewLr: [number, number][];
}

export interface Finding {
  kind: FindingKind;
  severity: Severity;
  metrics: string[];
  startStep: number;
  endStep: number;
  /** one sentence with numbers from the run */
  summary: string;
  /** statistic(s), threshold(s), window */
  evidence: Record<string, unknown>;
  suggestions: Suggestion[];
}

// ---------------------------------------------------------------------------------------------
// Tag roles

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
  /** validation loss (lower is better) */
  | 'val_loss'
  /** validation image-quality metric (direction per metric) */
  | 'val_quality'
  | 'ignore';

export interface TagInfo {
  role: TagRole;
  /** which way is better */
  direction: 'min' | 'max';
  /** the checkpoint monitor (LaMa: val_ssim_fid100_f1_total_mean), or a generic val_loss */
  monitor: boolean;
  /** normalised name without the split prefix, e.g. gen_l1 */
  base: string;
}

const IGNORE: TagInfo = { role: 'ignore', direction: 'min', monitor: false, base: '' };

/** What a tag is, from LaMa's naming (docs/lama-run-format.md §2.2) with generic Lightning fallbacks. */
export function classifyTag(tag: string): TagInfo {
  const t = tag.trim().toLowerCase().replace(/\//g, '_');
  if (
    t === 'epoch' ||
    t === 'hp_metric' ||
    t.startsWith('gpu_id') ||
    t.startsWith('lr-') ||
    t.startsWith('lr_') ||
    t.startsWith('_') ||
    t.startsWith('test_') ||
    t.startsWith('extra_val_') ||
    /_std$/.test(t) ||
    /\d+-\d+%/.test(t)
  )
    return IGNORE;
  let split: 'train' | 'val' | null = null;
  let base = t;
  if (t.startsWith('train_')) {
    split = 'train';
    base = t.slice(6);
  } else if (t.startsWith('val_')) {
    split = 'val';
    base = t.slice(4);
  } else if (t.startsWith('validation_')) {
    split = 'val';
    base = t.slice(11);
  } else if (/(^|_)loss($|_)/.test(t)) {
    split = 'train';
  }
  if (split === null) return IGNORE;
  if (split === 'train') {
    if (/_epoch$/.test(base)) return IGNORE;
    base = base.replace(/_step$/, '');
    if (base === 'discr_adv') return { role: 'disc_adv', direction: 'min', monitor: false, base };
    if (base.startsWith('discr_adv_')) return IGNORE;
    if (base === 'gen_adv') return { role: 'gen_adv', direction: 'min', monitor: false, base };
    if (base === 'adv_discr_real_out') return { role: 'real_out', direction: 'max', monitor: false, base };
    if (base === 'adv_discr_fake_out') return { role: 'fake_out', direction: 'min', monitor: false, base };
    if (base === 'adv_discr_real_gp') return { role: 'real_gp', direction: 'min', monitor: false, base };
    if (/(^|_)(l1|l2|mse|pl|fm|resnet_pl|perceptual|loss|nll|ce|recon)($|_)/.test(base))
      return { role: 'sup', direction: 'min', monitor: false, base };
    return IGNORE;
  }
  // validation
  if (base === 'gen_adv' || base === 'gen_fm' || base.startsWith('discr')) return IGNORE;
  if (/(^|_)(l1|l2|mse|pl|resnet_pl|perceptual|loss|nll|ce|recon)($|_)/.test(base))
    return { role: 'val_loss', direction: 'min', monitor: base === 'loss', base };
  // quality: f1 must be matched before fid ("ssim_fid100_f1")
  if (/(f1|ssim|psnr|acc|iou|dice|auc)/.test(base))
    return { role: 'val_quality', direction: 'max', monitor: base === 'ssim_fid100_f1_total_mean', base };
  if (/(lpips|fid|error)/.test(base)) return { role: 'val_quality', direction: 'min', monitor: false, base };
  return IGNORE;
}

// ---------------------------------------------------------------------------------------------
// Prepared data (built once by prepareRun in diagnose.ts)

/** Block statistics of one series: consecutive logged steps grouped k at a time. */
export interface Blocks {
  n: number;
  /** last step of each block */
  step: Float64Array;
  /** median of the finite values of each block (NaN if none) */
  med: Float64Array;
  max: Float64Array;
  /** steps per block (nominal) */
  blockSteps: number;
}

export interface PreparedSeries {
  tag: string;
  info: TagInfo;
  /** effective points: resumed overlap removed, same-step duplicates merged, sorted by step */
  steps: Float64Array;
  values: Float64Array;
  /** seconds since the Unix epoch per point (NaN when unknown) */
  wall: Float64Array | null;
  /** first non-finite point, if any */
  firstNonFinite: { step: number; value: number } | null;
  blocks: Blocks;
  /** first step of every resumed segment (after the first) */
  resumes: number[];
}

export interface ScheduleEvents {
  /** the generator LR actually in force at a step (logged, from the configured scheduler, or constant) */
  lrAt: (step: number) => number | null;
  /** where the LR is known to come from */
  lrSource: 'logged' | 'config' | 'constant' | 'unknown';
  /** discrete LR decreases (step decay, ReduceLROnPlateau) */
  drops: number[];
  /** LR jumps up (warm restarts, cyclic) or loss saw-tooth restarts recognised from the curve */
  restarts: number[];
  /** end of an LR warm-up ramp, if any */
  warmupEnd: number | null;
  /** first steps of resumed-from-checkpoint segments */
  resumes: number[];
  /** known periodicities in steps (epoch length, validation interval, SGDR / cyclic period) */
  periods: { steps: number; source: string }[];
  /** scheduler recognised */
  schedule: 'constant' | 'step' | 'cosine' | 'warm_restarts' | 'cyclic' | 'warmup' | 'unknown';
  /** LR now ≤ 2% of its maximum (decayed to the floor: a flat loss is convergence, not a plateau) */
  lrAtFloor: boolean;
  /** steps to mask around each event (level shifts near an event are not findings) */
  guardSteps: number;
}

export interface Budget {
  firstStep: number;
  lastStep: number;
  /** maxEpochs × limitTrainBatches, when known */
  planned: number | null;
  /** steps per epoch (limitTrainBatches, else the validation spacing), when known */
  epochSteps: number | null;
  /** steps between validations */
  valInterval: number | null;
  /** verdicts about trends are not given before this step (warm-up exclusion) */
  warmEnd: number;
  /** the generator / discriminator LR configured (null when unknown) */
  genLr: number | null;
  discLr: number | null;
}

export interface AnalysisInput {
  run: RunData;
  train: PreparedSeries[];
  val: PreparedSeries[];
  events: ScheduleEvents;
  budget: Budget;
}
