// Simulated LaMa training curves, one shape per pathology (see docs/diagnosis-rules.md §5–6).
// Pure and deterministic: every value comes from the scenario, the step/epoch, the config and the
// caller's seeded random stream. The live writer (demoWriter.ts) does the I/O.
import { BUCKETS, type TableValues } from './lamaFormat';
import { rng } from '../lib/rng';

export { rng };

export const SCENARIOS = [
  'healthy',
  'oscillation',
  'plateau',
  'overfitting',
  'divergence',
  'gan_imbalance',
  'slow_convergence',
  'gpu_bound',
] as const;
export type Scenario = (typeof SCENARIOS)[number];

export function isScenario(s: string): s is Scenario {
  return (SCENARIOS as readonly string[]).includes(s);
}

export interface ScenarioConfig {
  /** total optimizer steps: a whole number of epochs (maxEpochs × limitTrainBatches) */
  steps: number;
  /** steps per "epoch" (LaMa: 25 000); validation runs at the end of each */
  limitTrainBatches: number;
  /** training tags are logged when (step + 1) % logEveryNSteps == 0 */
  logEveryNSteps: number;
  batchSize: number;
  genLr: number;
  discLr: number;
  seed: number;
}

export const DEFAULT_STEPS = 20_000;

/**
 * LaMa-like defaults. With the default 20 000 steps: log every 50 steps, 1 000-step epochs (20
 * validations). Shorter runs keep about 400 logged points per tag and 20 epochs; longer ones keep
 * 50 / 1 000 and get more epochs. `steps` is rounded up to a whole number of epochs.
 * The learning rates are the ones that would plausibly cause each pathology, so the diagnosis'
 * suggestion (lower G LR, lower D LR, raise a too-low LR…) makes sense against the config.
 */
export function defaultConfig(s: Scenario, steps: number = DEFAULT_STEPS): ScenarioConfig {
  const wanted = Math.max(1, Math.floor(steps));
  const logEveryNSteps = Math.min(50, Math.max(1, Math.round(wanted / 400)));
  const limitTrainBatches = Math.min(1000, logEveryNSteps * Math.max(1, Math.round(wanted / 20 / logEveryNSteps)));
  const total = Math.ceil(wanted / limitTrainBatches) * limitTrainBatches;
  const base: ScenarioConfig = {
    steps: total,
    limitTrainBatches,
    logEveryNSteps,
    batchSize: 10,
    genLr: 1e-3,
    discLr: 1e-4,
    seed: 1000 + SCENARIOS.indexOf(s),
  };
  switch (s) {
    case 'oscillation':
      return { ...base, genLr: 4e-3 }; // G step too large: losses alternate
    case 'divergence':
      return { ...base, genLr: 8e-3, discLr: 8e-4 }; // both too high: explodes after a while
    case 'gan_imbalance':
      return { ...base, discLr: 1e-3 }; // D as fast as G (LaMa uses 10:1): D wins
    case 'slow_convergence':
      return { ...base, genLr: 1e-5, discLr: 1e-6 }; // far too low: tiny steady gains
    case 'gpu_bound':
      return { ...base, batchSize: 4 }; // small batches, starved input pipeline
    default:
      return base;
  }
}


/** Standard normal from two uniforms (Box–Muller). */
function gauss(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  const v = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

const softplus = (x: number) => (x > 30 ? x : Math.log1p(Math.exp(x)));

/** Fractions of the run where each pathology starts. */
const ONSET: Record<Scenario, number | null> = {
  healthy: null,
  oscillation: 0.25,
  plateau: 0.3,
  overfitting: 0.4,
  divergence: 0.6,
  gan_imbalance: 0.3,
  slow_convergence: 0,
  gpu_bound: 0,
};
/** divergence: multiplicative growth from the onset, then Inf / NaN from this fraction on */
const EXPLODE = 0.7;

/** Step where the pathology starts (null for healthy): ground truth for the diagnosis benchmark. */
export function onsetStep(s: Scenario, cfg: ScenarioConfig): number | null {
  const f = ONSET[s];
  return f === null ? null : Math.round(f * cfg.steps);
}

/** Divergence: first step whose logged losses are no longer finite. */
export function explodeStep(cfg: ScenarioConfig): number {
  return Math.round(EXPLODE * cfg.steps);
}

/**
 * Progress of the "learning" for a scenario at run fraction p: 1 at the start, decaying like a power
 * law (healthy ≈ 0.1 at the end). Plateau freezes it; slow convergence decays ~40× slower.
 */
function decay(s: Scenario, p: number): number {
  const d = (x: number) => Math.pow(1 + x / 0.08, -0.9);
  if (s === 'plateau') return d(Math.min(p, ONSET.plateau!));
  if (s === 'slow_convergence') return Math.pow(1 + p / 4, -0.9);
  return d(p);
}

/** Divergence growth factor at run fraction p (1 before the onset, ×100 by the explosion). */
function growth(s: Scenario, p: number): number {
  if (s !== 'divergence' || p < ONSET.divergence!) return 1;
  const f = (p - ONSET.divergence!) / (EXPLODE - ONSET.divergence!);
  return Math.exp(Math.log(100) * Math.min(f, 1));
}

/** Oscillation multiplier at log index k: period-2 alternation plus a period-8 wave, from the onset. */
function oscillation(s: Scenario, p: number, k: number): number {
  if (s !== 'oscillation' || p < ONSET.oscillation!) return 0;
  const ramp = Math.min(1, (p - ONSET.oscillation!) / 0.03);
  return ramp * (0.2 * (k % 2 === 0 ? 1 : -1) + 0.15 * Math.sin((2 * Math.PI * k) / 8));
}

/** GAN imbalance: 0 → 1 as the discriminator takes over after the onset. */
function imbalance(s: Scenario, p: number): number {
  if (s !== 'gan_imbalance' || p < ONSET.gan_imbalance!) return 0;
  return 1 - Math.exp(-(p - ONSET.gan_imbalance!) / 0.08);
}

export const TRAIN_TAGS = [
  'train_gen_l1',
  'train_gen_adv',
  'train_gen_fm',
  'train_gen_resnet_pl',
  'train_discr_adv',
  'train_adv_discr_real_out',
  'train_adv_discr_fake_out',
  'train_adv_discr_real_gp',
] as const;

/**
 * Training losses logged at `step` (LaMa's tags and magnitudes: L1 ≈ 0.1 → 0.035, feature matching
 * ≈ 1 → 0.35, ResNet-PL ≈ 1.5 → 0.85, G adversarial ≈ 4.3–4.7, D loss ≈ 1.25 from logits ≈ ±0.15).
 * Consumes a fixed number of draws from `rand` per call, so streams stay aligned across scenarios.
 */
export function trainValues(s: Scenario, step: number, cfg: ScenarioConfig, rand: () => number): Record<string, number> {
  const p = Math.min(1, Math.max(0, step / cfg.steps));
  const d = decay(s, p);
  const g = growth(s, p);
  const k = Math.floor((step + 1) / cfg.logEveryNSteps);
  const osc = oscillation(s, p, k);
  const m = imbalance(s, p);
  const learned = 1 - decay(s === 'slow_convergence' ? s : 'healthy', p);
  // draws (always the same count)
  const n = Array.from({ length: 8 }, () => gauss(rand));
  const mult = (sd: number, z: number) => Math.max(0.2, 1 + sd * z);

  const l1 = (0.03 + 0.07 * d) * mult(0.04, n[0]) * (1 + osc) * Math.sqrt(g);
  const fm = (0.3 + 0.7 * d) * mult(0.05, n[1]) * (1 + osc) * g;
  const pl = (0.8 + 0.7 * d) * mult(0.03, n[2]) * (1 + osc) * Math.sqrt(g);
  // a too-large step shows most in the adversarial pair (real runs at 50× LaMa's LR: their swing around
  // the trend reaches 0.5–2.5× their level, while L1 stays dominated by mask-size noise)
  const swing = Math.exp(4 * osc);
  const genAdv = (4.3 + 0.4 * d + 5 * m) * mult(0.04, n[3]) * swing * g;
  // discriminator logits: from 0 (chance) towards ±0.15 as both players learn; D runs away in gan_imbalance
  const real = 0.15 * learned + 3.8 * m + 0.04 * n[4] + 0.6 * osc;
  const fake = -0.1 * learned - 3.6 * m + 0.04 * n[5] - 0.6 * osc;
  const gp = 0.003 * (1 + 4 * m) * Math.exp(0.15 * n[6]) * g;
  const discr = (softplus(-real) + softplus(fake) + gp) * mult(0.02, n[7]) * (osc ? Math.exp(-4 * osc) : 1) * g;

  const out: Record<string, number> = {
    train_gen_l1: l1,
    train_gen_adv: genAdv,
    train_gen_fm: fm,
    train_gen_resnet_pl: pl,
    train_discr_adv: discr,
    train_adv_discr_real_out: real * (s === 'divergence' ? g : 1),
    train_adv_discr_fake_out: fake * (s === 'divergence' ? g : 1),
    train_adv_discr_real_gp: gp,
  };
  if (s === 'divergence' && step >= explodeStep(cfg)) {
    // the first non-finite point has overflowed (float32 Inf), everything after it is NaN
    const first = step - cfg.logEveryNSteps < explodeStep(cfg);
    for (const t of TRAIN_TAGS) out[t] = first && t !== 'train_gen_l1' ? Infinity : NaN;
  }
  return out;
}

interface Quality {
  ssim: number;
  lpips: number;
  fid: number;
  /** multiplier for the val_gen_* losses */
  loss: number;
}

/** Image quality of the generator at run fraction p (before noise). */
function quality(s: Scenario, p: number, epoch: number): Quality {
  const d = decay(s, p);
  let ssim = 0.72 + 0.17 * (1 - d);
  let lpips = 0.12 + 0.12 * d;
  let fid = 8 + 22 * d;
  let loss = 1;
  if (s === 'overfitting' && p > ONSET.overfitting!) {
    const o = p - ONSET.overfitting!;
    loss *= 1 + 0.9 * o;
    ssim -= 0.12 * o;
    lpips += 0.1 * o;
    fid += 30 * o;
  }
  if (s === 'divergence' && p > ONSET.divergence!) {
    const f = Math.min(1, (p - ONSET.divergence!) / (EXPLODE - ONSET.divergence!));
    loss *= growth(s, p);
    ssim -= 0.3 * f;
    lpips += 0.3 * f;
    fid += 120 * f * f + 20 * f;
  }
  if (s === 'gan_imbalance') {
    const m = imbalance(s, p);
    ssim -= 0.015 * m;
    lpips += 0.04 * m;
    fid += 15 * m;
    loss *= 1 + 0.1 * m;
  }
  if (s === 'oscillation' && p > ONSET.oscillation!) {
    const alt = epoch % 2 === 0 ? 1 : -1;
    ssim += 0.015 * alt;
    lpips -= 0.012 * alt;
    fid -= 2.5 * alt;
    loss *= 1 - 0.08 * alt;
  }
  return { ssim, lpips, fid, loss };
}

/** Per mask-area bucket offsets (small masks are easier): [ssim, lpips, fid multiplier]. */
const BUCKET_SHAPE: [number, number, number][] = [
  [0.09, -0.08, 0.25],
  [0.05, -0.05, 0.6],
  [0.01, -0.01, 1.1],
  [-0.03, 0.03, 1.9],
  [-0.08, 0.06, 3.2],
  [-0.12, 0.09, 4.8],
];

export function ssimFid100F1(ssim: number, fid: number): number {
  const fidRel = Math.max(0, 100 - fid) / 100;
  return (2 * ssim * fidRel) / (ssim + fidRel + 1e-3);
}

function evalValues(
  s: Scenario,
  epoch: number,
  cfg: ScenarioConfig,
  rand: () => number,
  prefix: 'val' | 'test',
): { scalars: Record<string, number>; table: TableValues } {
  // epoch -1 = the sanity check before training (untrained generator)
  const p = epoch < 0 ? 0 : Math.min(1, ((epoch + 1) * cfg.limitTrainBatches) / cfg.steps);
  const q = quality(s, p, epoch);
  const n = Array.from({ length: 8 + BUCKETS.length * 2 }, () => gauss(rand));
  const test = prefix === 'test';
  const ssim = Math.min(0.999, (q.ssim - (test ? 0.01 : 0)) + 0.002 * n[0]);
  const lpips = Math.max(0.001, (q.lpips + (test ? 0.01 : 0)) * (1 + 0.01 * n[1]));
  const fid = Math.max(0.5, q.fid * (test ? 1.4 : 1) * (1 + 0.015 * n[2]));
  const f1 = ssimFid100F1(ssim, fid);
  const d = decay(s, p);
  // val_gen_* are under-scaled averages in LaMa (divided by val+test steps): about 0.8 of the train level
  const scale = 0.8 * q.loss;
  // L1 / ResNet-PL grow more slowly than the adversarial terms when the run diverges
  const slow = s === 'divergence' ? Math.sqrt(q.loss) : q.loss;
  const genL1 = 0.8 * (0.03 + 0.07 * d) * slow * (1 + 0.01 * n[3]);
  const genAdv = scale * (4.3 + 0.4 * d + 5 * imbalance(s, p)) * (1 + 0.01 * n[4]);
  const genFm = scale * (0.3 + 0.7 * d) * (1 + 0.01 * n[5]);
  const genPl = 0.8 * (0.8 + 0.7 * d) * slow * (1 + 0.01 * n[6]);
  const ssimStd = 0.08 + 0.02 * d;
  const lpipsStd = 0.07 + 0.02 * d;

  const rows: TableValues['rows'] = BUCKETS.map((label, i) => {
    const [ds, dl, fm] = BUCKET_SHAPE[i];
    return {
      label,
      fid: Math.max(0.5, fid * fm * (1 + 0.03 * n[8 + 2 * i])),
      lpips: Math.max(0.001, lpips + dl * (1 + 0.02 * n[9 + 2 * i])),
      lpipsStd: lpipsStd * 0.3,
      ssim: Math.min(0.999, ssim + ds * (1 + 0.02 * n[9 + 2 * i])),
      ssimStd: ssimStd * 0.4,
    };
  });
  rows.push({ label: 'total', fid, lpips, lpipsStd, ssim, ssimStd });
  const scalars: Record<string, number> = {
    [`${prefix}_gen_l1`]: genL1,
    [`${prefix}_gen_adv`]: genAdv,
    [`${prefix}_gen_fm`]: genFm,
    [`${prefix}_gen_resnet_pl`]: genPl,
    [`${prefix}_ssim_total_mean`]: ssim,
    [`${prefix}_ssim_total_std`]: ssimStd,
    [`${prefix}_lpips_total_mean`]: lpips,
    [`${prefix}_lpips_total_std`]: lpipsStd,
    [`${prefix}_fid_total_mean`]: fid,
    [`${prefix}_ssim_fid100_f1_total_mean`]: f1,
  };
  for (const r of rows.slice(0, -1)) scalars[`${prefix}_ssim_${r.label}_mean`] = r.ssim;
  return { scalars, table: { rows, f1 } };
}

/**
 * Validation results at the end of `epoch` (epoch -1 = the sanity check): the val_* scalars LaMa
 * logs to TensorBoard and the table it prints to train.log, consistent with each other.
 */
export function valValues(s: Scenario, epoch: number, cfg: ScenarioConfig, rand: () => number): { scalars: Record<string, number>; table: TableValues } {
  return evalValues(s, epoch, cfg, rand, 'val');
}

/** The same for the second validation loader (`visual_test`): test_* tags and the "Test metrics" table. */
export function testValues(s: Scenario, epoch: number, cfg: ScenarioConfig, rand: () => number): { scalars: Record<string, number>; table: TableValues } {
  return evalValues(s, epoch, cfg, rand, 'test');
}

/**
 * One nvidia-smi sample at `tSec` simulated seconds after the job started (1 simulated second =
 * 200 steps). Healthy: ~95 % busy. gpu_bound: 20–40 % with frequent drops to 0 (input-bound).
 * The first two seconds are start-up (model loading, sanity check).
 */
export function gpuValues(s: Scenario, tSec: number, rand: () => number): { util: number; memUtil: number; memUsedMb: number; tempC: number; powerW: number } {
  const a = rand();
  const b = rand();
  const c = rand();
  const warm = 1 - Math.exp(-tSec / 40); // temperature settles over ~a minute
  if (tSec < 2) {
    return { util: Math.round(tSec * 8 * a), memUtil: Math.round(tSec * 3 * b), memUsedMb: Math.round(2500 + 11000 * tSec), tempC: 36 + Math.round(2 * c), powerW: 62 + 20 * tSec * a };
  }
  if (s === 'gpu_bound') {
    const idle = a < 0.35;
    const util = idle ? 0 : 20 + 20 * b;
    return {
      util: Math.round(util),
      memUtil: Math.round(util * 0.4),
      memUsedMb: Math.round(14200 + 200 * c),
      tempC: Math.round(40 + 10 * warm + 2 * c),
      powerW: 70 + util * 2.2 + 10 * c,
    };
  }
  const util = Math.min(100, 92 + 8 * a - (b < 0.03 ? 40 : 0));
  return {
    util: Math.round(util),
    memUtil: Math.round(40 + 12 * b),
    memUsedMb: Math.round(30500 + 300 * c),
    tempC: Math.round(45 + 25 * warm + 2 * c),
    powerW: 260 + util * 1.1 + 25 * b,
  };
}
