// The vocabulary of the diagnosis: input/output contracts, the role of each logged tag, and the
// prepared (cleaned, blocked) series the detectors work on. Pure data + tiny pure helpers.

import type { TagInfo } from '../domain/tags';

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
  // Optional so that hand-built contexts (tests, scripts) stay valid; loadRunData always fills them.
  /** the Hydra config name (`lama-fourier`, `big-lama-celeba`…): suggestions name the run's own config file */
  configName?: string | null;
  /** the data set: 'celeba' / 'places' when the location, data root or config name says so, else the location name */
  dataset?: 'celeba' | 'places' | (string & {}) | null;
  /** data.num_workers (or the train data loader's), when configured */
  numWorkers?: number | null;
  /** LaMa's R1 penalty weight losses.adversarial.gp_coef, when configured */
  gpCoef?: number | null;
}

export interface RunData {
  context: RunContext;
  series: SeriesInput[];
  /** GPU samples, time in ms since the Unix epoch */
  gpu?: { time: number | null; util: number | null }[];
  /** logged LR tags like lr-Adam, if any */
  lr?: SeriesInput[];
  /** the logged `epoch` counter (Lightning adds it to every logged dict), if any */
  epoch?: SeriesInput;
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

/**
 * One measured signal behind a finding, as the evidence panel shows it: what was measured, its value,
 * the rule it was held against, where, and whether it fired. Stored in `evidence.signals`.
 */
export interface Signal {
  /** e.g. "val_ssim_total_mean below its best" */
  signal: string;
  value: number | string;
  /** e.g. "> 0.01", "≥ 5 validations" */
  threshold: string;
  step: number | null;
  fired: boolean;
}

export interface Finding {
  kind: FindingKind;
  severity: Severity;
  metrics: string[];
  startStep: number;
  endStep: number;
  /** one sentence with numbers from the run */
  summary: string;
  /** statistic(s), threshold(s), window; `signals` (Signal[]) is the readable summary */
  evidence: Record<string, unknown> & { signals?: Signal[] };
  suggestions: Suggestion[];
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
