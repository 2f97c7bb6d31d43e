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

// ---------------------------------------------------------------------------------------------
// Small shared helpers for sentences, YAML and previews

/** A number for humans and YAML: 0.001, 1e-06 style kept short. */
export function fmtNum(v: number, digits = 3): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(Math.max(0, digits - 1)).replace(/\.?0+e/, 'e');
  if (Number.isInteger(v)) return String(v);
  return String(Number(v.toPrecision(digits)));
}

/** Python literal for a float (1e-06 → 1e-06, 0.0005 → 0.0005). */
export function pyNum(v: number): string {
  if (Number.isInteger(v) && Math.abs(v) < 1e9) return String(v);
  const s = fmtNum(v, 4);
  return s;
}

/**
 * A number for YAML 1.1 (PyYAML / OmegaConf read `1e-4` as a string): plain decimal notation,
 * 6 significant digits, no exponent.
 */
export function yamlNum(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  const p = Number(v.toPrecision(6));
  const a = Math.abs(p);
  if (a >= 1e-4 && a < 1e15) return String(p);
  const decimals = Math.min(20, Math.max(0, 5 - Math.floor(Math.log10(a))));
  return p.toFixed(decimals).replace(/0+$/, '').replace(/\.$/, '.0');
}

/** Round to 6 significant digits (LRs in suggestion params: 1e-7, not 1.0000000000000001e-7). */
export function sig<T extends number | null>(v: T): T {
  return (v !== null && Number.isFinite(v) ? Number(v.toPrecision(6)) : v) as T;
}

/** 1st, 2nd, 3rd, 4th… */
export function ordinal(n: number): string {
  const m = n % 100;
  const suffix = m >= 11 && m <= 13 ? 'th' : n % 10 === 1 ? 'st' : n % 10 === 2 ? 'nd' : n % 10 === 3 ? 'rd' : 'th';
  return `${n}${suffix}`;
}

export function pct(v: number, digits = 1): string {
  return `${(v * 100).toFixed(digits)}%`;
}

/** Up to `max` integer steps spanning [from, to], always including both ends and the given extra steps. */
export function previewSteps(from: number, to: number, extra: number[] = [], max = 400): number[] {
  const lo = Math.max(0, Math.floor(from));
  const hi = Math.max(lo, Math.ceil(to));
  const out = new Set<number>();
  const room = Math.max(2, max - 2 * extra.length);
  const n = Math.min(room, hi - lo + 1);
  for (let i = 0; i < n; i++) out.add(Math.round(lo + ((hi - lo) * i) / Math.max(1, n - 1)));
  for (const e of extra) {
    if (e - 1 >= lo && e - 1 <= hi) out.add(Math.round(e - 1));
    if (e >= lo && e <= hi) out.add(Math.round(e));
  }
  const arr = [...out].sort((a, b) => a - b);
  if (arr.length <= max) return arr;
  // keep the extra points, thin the rest
  const keep = new Set(extra.flatMap((e) => [Math.round(e) - 1, Math.round(e)]));
  const others = arr.filter((s) => !keep.has(s));
  const want = max - (arr.length - others.length);
  const stride = others.length / Math.max(1, want);
  const thinned = new Set<number>();
  for (let i = 0; i < want; i++) thinned.add(others[Math.min(others.length - 1, Math.floor(i * stride))]);
  thinned.add(lo);
  thinned.add(hi);
  return [...new Set([...thinned, ...arr.filter((s) => keep.has(s))])].sort((a, b) => a - b).slice(0, max);
}

// ---------------------------------------------------------------------------------------------
// Suggestions: the run facts every builder needs, and the two text templates they share

export interface SuggestionContext {
  /** a LaMa run (generator + discriminator optimizers, LaMa tags) */
  lama: boolean;
  /** the LRs in force now (logged or configured); LaMa defaults when unknown (see assumedLr) */
  genLr: number;
  discLr: number | null;
  assumedLr: boolean;
  optimizer: string;
  batchSize: number | null;
  firstStep: number;
  lastStep: number;
  /** planned steps (maxEpochs × limit_train_batches), else lastStep */
  endStep: number;
  epochSteps: number | null;
  valInterval: number | null;
  gradientClipVal: number | null;
  /** checkpoint / scheduler monitor */
  monitor: { tag: string; mode: 'min' | 'max'; steps: number[]; values: number[] } | null;
  /** the actual generator LR at a step (for the part of the preview before a change applies) */
  lrAt: (step: number) => number;
}

export interface SchedulerSpec {
  /** Python expression building the scheduler; `{opt}` is replaced by the optimizer variable */
  expr: string;
  interval: 'step' | 'epoch';
  monitor?: string;
}

/**
 * The YAML for LaMa's `configs/training/optimizers/<file>.yaml` (or a generic block). LaMa's
 * make_optimizer passes every key of `generator` / `discriminator` to torch.optim, so the schedule is
 * kept in its own top-level key `lr_schedulers` (read by the configure_optimizers patch).
 */
export function optimizersYaml(ctx: SuggestionContext, file: string, genLr: number, discLr: number | null, schedulers: Record<string, Record<string, unknown>> | null, note: string): string {
  const kind = ctx.optimizer.toLowerCase();
  const val = (v: unknown): string => (typeof v === 'number' ? yamlNum(v) : Array.isArray(v) ? `[${v.map(val).join(', ')}]` : typeof v === 'string' ? v : String(v));
  const block = (name: string, o: Record<string, unknown>) => [`  ${name}:`, ...Object.entries(o).map(([k, v]) => `    ${k}: ${val(v)}`)].join('\n');
  const lines = [
    ctx.lama
      ? `# configs/training/optimizers/${file}.yaml — select it with \`optimizers=${file}\` on the bin/train.py command line`
      : `# optimizer / scheduler settings (${file})`,
    `# ${note}`,
    'generator:',
    `  kind: ${kind}`,
    `  lr: ${yamlNum(genLr)}`,
  ];
  if (discLr !== null) lines.push('discriminator:', `  kind: ${kind}`, `  lr: ${yamlNum(discLr)}`);
  if (schedulers) {
    lines.push('# not passed to make_optimizer: read by the configure_optimizers patch');
    lines.push('lr_schedulers:');
    for (const [k, v] of Object.entries(schedulers)) lines.push(block(k, v));
  }
  return lines.join('\n') + '\n';
}

/** Python for configure_optimizers: where it goes, and the method body returning optimizers + schedulers. */
export function configureOptimizersCode(ctx: SuggestionContext, gen: SchedulerSpec | null, disc: SchedulerSpec | null, comment: string): string {
  const entry = (opt: string, s: SchedulerSpec | null) => {
    if (!s) return `dict(optimizer=${opt})`;
    const parts = [`scheduler=${s.expr.replace(/\{opt\}/g, opt)}`, `interval='${s.interval}'`, 'frequency=1'];
    if (s.monitor) parts.push(`monitor='${s.monitor}'`);
    return `dict(optimizer=${opt}, lr_scheduler=dict(${parts.join(', ')}))`;
  };
  if (ctx.lama) {
    return [
      `# saicinpainting/training/trainers/base.py — BaseInpaintingTrainingModule.configure_optimizers.`,
      `# Stock LaMa returns [dict(optimizer=G), dict(optimizer=D)] with no scheduler; replace the method with:`,
      `# (${comment})`,
      'def configure_optimizers(self):',
      '    discriminator_params = list(self.discriminator.parameters())',
      '    opt_g = make_optimizer(self.generator.parameters(), **self.config.optimizers.generator)',
      '    opt_d = make_optimizer(discriminator_params, **self.config.optimizers.discriminator)',
      '    return [',
      `        ${entry('opt_g', gen)},`,
      `        ${entry('opt_d', disc)},`,
      '    ]',
      '',
    ].join('\n');
  }
  return [
    `# Your LightningModule.configure_optimizers (${comment}):`,
    'def configure_optimizers(self):',
    `    opt = torch.optim.${ctx.optimizer.toLowerCase() === 'adamw' ? 'AdamW' : ctx.optimizer.toLowerCase() === 'sgd' ? 'SGD' : 'Adam'}(self.parameters(), lr=${pyNum(ctx.genLr)})`,
    `    return ${entry('opt', gen)}`,
    '',
  ].join('\n');
}

/** Sample an LR function over the run's steps (≤ 400 points, change points kept). */
export function sampleLr(ctx: SuggestionContext, fn: (step: number) => number, changes: number[] = []): [number, number][] {
  return previewSteps(ctx.firstStep, ctx.lastStep, changes.filter((c) => c > ctx.firstStep && c <= ctx.lastStep)).map((s) => [s, fn(s)]);
}
