// Suggestions: the run facts every builder needs, and the two text templates they share.
import { pyNum, yamlNum, previewSteps } from '../format';

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
  /** the run's Hydra config name, so the text names the run's own configs/training/<name>.yaml */
  configName: string | null;
  /** 'celeba' / 'places' / another location name (picks the decay family) */
  dataset: string | null;
  /** data.num_workers as configured */
  numWorkers: number | null;
  /** LaMa's R1 weight losses.adversarial.gp_coef as configured */
  gpCoef: number | null;
  /** the LR scheduler the run's config already has (where, and in words), which a suggestion replaces */
  runScheduler: { path: string; text: string } | null;
}

/** Generator and discriminator LR a suggestion sets (D null for single-optimizer runs). */
export interface LrPair {
  genLr: number;
  discLr: number | null;
}

/** The run's own training config file (LaMa: configs/training/<config name>.yaml). */
export function trainingConfigFile(ctx: SuggestionContext): string {
  return `configs/training/${ctx.configName ?? '<your config>'}.yaml`;
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
  // the run's own schedule would otherwise keep running next to (or instead of) this one
  const rs = ctx.runScheduler;
  if (rs)
    lines.push(
      rs.path.startsWith('optimizers.')
        ? `# this file replaces the run's optimizers group, so its ${rs.path} (${rs.text}) is dropped — do not copy it over`
        : `# remove the run's ${rs.path} (${rs.text}): this replaces it`,
    );
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
