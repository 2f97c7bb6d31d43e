// Test data, not product code: a synthetic regression corpus for the diagnosis (rules §6.1), generated deterministically: LaMa-like
// multi-tag runs (train_gen_* / train_discr_* / train_adv_*, val_* per epoch, nvidia-smi samples) with
// pathologies injected at known steps, hard negatives that must stay quiet (LR step drops, warm-restart
// saw-tooth, warm-up ramps, epoch ripple, noisy-but-healthy GAN losses, resumed segments, short runs,
// spikes, validation jitter), and every `lrscope demo` scenario. Several seeds, noise levels, lengths
// and onset positions per family.
import type { FindingKind, RunData, SeriesInput } from '../../server/analysis/types';
import {
  SCENARIOS,
  defaultConfig,
  gpuValues,
  onsetStep as demoOnset,
  rng as demoRng,
  trainValues,
  valValues,
  type Scenario,
} from '../../server/demo/scenarios';

export interface CorpusCase {
  id: string;
  family: string;
  /** the pathology injected, or null for a healthy run (hard negative) */
  label: FindingKind | null;
  /** step where the pathology starts */
  onsetStep: number | null;
  /** hard negatives: a healthy run built to look like a pathology */
  hardNegative: boolean;
  description: string;
  run: RunData;
}

// ---------------------------------------------------------------------------------------------
// Random streams


class Rand {
  private r: () => number;
  constructor(seed: number) {
    this.r = demoRng(seed * 2654435761 + 12345); // the same seeded PRNG as the demo
  }
  u(a = 0, b = 1): number {
    return a + (b - a) * this.r();
  }
  int(a: number, b: number): number {
    return Math.floor(this.u(a, b + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.min(xs.length - 1, Math.floor(this.r() * xs.length))];
  }
  logU(a: number, b: number): number {
    return Math.exp(this.u(Math.log(a), Math.log(b)));
  }
  gauss(): number {
    const u = Math.max(this.r(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.r());
  }
  /** Student-t with 3 degrees of freedom, scaled to unit variance */
  t3(): number {
    const z = this.gauss();
    const c = this.gauss() ** 2 + this.gauss() ** 2 + this.gauss() ** 2;
    return z / Math.sqrt(c / 3) / Math.sqrt(3);
  }
}

/** AR(1) noise with unit marginal variance (Gaussian or heavy-tailed innovations). */
class Ar1 {
  private x = 0;
  constructor(
    private rnd: Rand,
    public phi: number,
    private heavy: boolean,
  ) {
    this.x = this.innov();
  }
  private innov(): number {
    return this.heavy ? this.rnd.t3() : this.rnd.gauss();
  }
  next(): number {
    this.x = this.phi * this.x + Math.sqrt(Math.max(0, 1 - this.phi * this.phi)) * this.innov();
    return this.x;
  }
}

const softplus = (x: number) => (x > 30 ? x : Math.log1p(Math.exp(x)));
const f1Of = (ssim: number, fid: number) => {
  const f = Math.max(0, 100 - fid) / 100;
  return (2 * ssim * f) / (ssim + f + 1e-3);
};

// ---------------------------------------------------------------------------------------------
// The generator

export interface Spec {
  seed: number;
  epochSteps: number;
  logEvery: number;
  maxEpochs: number;
  /** fraction of the planned steps actually run (in-progress runs < 1) */
  endFrac: number;
  /** decay time as a fraction of the planned steps, exponent, or an exponential */
  tau: number;
  gamma: number;
  /** excess loss A relative to x∞ */
  aScale: number;
  exp: boolean;
  noise: number;
  phi: number;
  heavy: boolean;
  spikeRate: number;
  ganNoise: number;
  ganPhi: number;
  valNoise: number;
  genLr: number;
  discLr: number;
  batchSize: number;
  /** how far the discriminator learns (logit magnitude) */
  dLogit: number;
  withVal: boolean;
  withGpu: boolean;
  // pathologies
  plateau?: { t0: number };
  oscillation?: { t0: number; type: 'sine' | 'alternation' | 'ar_flip'; periodBlocks: number; amp: number };
  divergence?: { t0: number; ratePerBlock: number; nan: boolean };
  overfitting?: { t0: number; perEpoch: number };
  gan?: { t0: number; variant: 'd_winning' | 'd_not_learning' | 'g_fooling_d'; tau: number };
  slow?: boolean;
  gpu?: { t0: number; pattern: 'gappy' | 'low' };
  // nuisances
  schedule?:
    | { kind: 'multistep'; milestones: number[]; gamma: number; logged: boolean }
    | { kind: 'sgdr'; t0: number; tMult: number; kappa: number; logged: boolean }
    | { kind: 'cosine'; kappa: number; logged: boolean }
    | { kind: 'warmup'; steps: number; logged: boolean };
  ripple?: { amp: number; harmonic2: number };
  resume?: { at: number; back: number; bump: number };
  ganWander?: number;
}

function lrMultiplier(spec: Spec, step: number): number {
  const s = spec.schedule;
  if (!s) return 1;
  if (s.kind === 'multistep') return Math.pow(s.gamma, s.milestones.filter((m) => step >= m).length);
  if (s.kind === 'warmup') return Math.min(1, 0.01 + (0.99 * step) / s.steps);
  if (s.kind === 'cosine') return 0.01 + 0.99 * 0.5 * (1 + Math.cos((Math.PI * Math.min(step, spec.epochSteps * spec.maxEpochs)) / (spec.epochSteps * spec.maxEpochs)));
  let start = 0;
  let len = s.t0;
  while (step >= start + len) {
    start += len;
    len *= s.tMult;
  }
  return 0.01 + 0.99 * 0.5 * (1 + Math.cos((Math.PI * (step - start)) / len));
}

export function generateRun(spec: Spec): RunData {
  const rnd = new Rand(spec.seed);
  const planned = spec.epochSteps * spec.maxEpochs;
  const last = Math.max(spec.logEvery * 8, Math.floor((spec.endFrac * planned) / spec.logEvery) * spec.logEvery - 1);
  const tauSteps = spec.tau * planned;
  const prog = (t: number) => (spec.exp ? Math.exp(-t / tauSteps) : Math.pow(1 + t / tauSteps, -spec.gamma));
  // warm-up slows the effective time
  const effT = (t: number) => {
    const s = spec.schedule;
    if (s && s.kind === 'warmup') return t < s.steps ? 0.01 * t + (0.99 * t * t) / (2 * s.steps) : t - 0.495 * s.steps;
    return t;
  };
  const d = (t: number) => {
    let tt = effT(t);
    if (spec.plateau) tt = Math.min(tt, spec.plateau.t0);
    return prog(tt);
  };
  const scale = rnd.u(0.75, 1.3);
  const sup = [
    { tag: 'train_gen_l1', inf: 0.03 * scale, a: 0.03 * spec.aScale * scale * rnd.u(0.8, 1.25) },
    { tag: 'train_gen_fm', inf: 0.3 * scale, a: 0.3 * spec.aScale * scale * rnd.u(0.8, 1.25) },
    { tag: 'train_gen_resnet_pl', inf: 0.8 * scale, a: 0.5 * spec.aScale * scale * rnd.u(0.8, 1.25) },
  ];
  const noiseOf = sup.map(() => new Ar1(rnd, spec.phi, spec.heavy));
  const ganNoise = [0, 1, 2, 3].map(() => new Ar1(rnd, spec.ganPhi, spec.heavy || spec.ganNoise > 0.1));
  const oscNoise = spec.oscillation?.type === 'ar_flip' ? sup.map(() => new Ar1(rnd, -rnd.u(0.5, 0.8), false)) : null;
  const phase0 = rnd.u(0, 2 * Math.PI);
  const ripplePhase = rnd.u(0, 2 * Math.PI);
  let wander = 0;
  // LR-step multipliers of the loss level (each LR drop lowers the noise floor)
  const levelAt = (t: number): number => {
    const s = spec.schedule;
    if (!s) return 1;
    if (s.kind === 'multistep') {
      let m = 1;
      for (const ms of s.milestones) if (t >= ms) m *= 1 - 0.12 * (1 - Math.exp(-(t - ms) / (3 * spec.logEvery)));
      return m;
    }
    if (s.kind === 'sgdr' || s.kind === 'cosine') return 1 + s.kappa * lrMultiplier(spec, t);
    return 1;
  };
  const growth = (t: number) => (spec.divergence && t > spec.divergence.t0 ? Math.exp((spec.divergence.ratePerBlock * (t - spec.divergence.t0)) / spec.logEvery) : 1);
  const imbalance = (t: number) => (spec.gan && t > spec.gan.t0 ? 1 - Math.exp(-(t - spec.gan.t0) / (spec.gan.tau * planned)) : 0);

  const tags: Record<string, { steps: number[]; values: number[]; wall: number[]; seg: number[] }> = {};
  const push = (tag: string, step: number, v: number, wall: number, seg: number) => {
    const t = (tags[tag] ??= { steps: [], values: [], wall: [], seg: [] });
    t.steps.push(step);
    t.values.push(v);
    t.wall.push(wall);
    t.seg.push(seg);
  };
  const lrTag: { steps: number[]; values: number[] } = { steps: [], values: [] };
  const secPerStep = rnd.u(0.15, 0.6);
  const valSec = rnd.u(0.02, 0.08) * spec.epochSteps * secPerStep + 30;
  const gapSec = rnd.u(600, 3600);
  const t0Wall = 1_790_000_000 + rnd.int(0, 1e6);
  const wallAt = (step: number, seg: number) => t0Wall + 60 + step * secPerStep + Math.floor(step / spec.epochSteps) * valSec + (seg > 0 ? gapSec + (spec.resume!.at - spec.resume!.back) * secPerStep : 0);
  // segments: seg 0 runs up to resume.at, seg 1 restarts from resume.back
  const segments: { seg: number; from: number; to: number }[] = spec.resume
    ? [
        { seg: 0, from: 0, to: spec.resume.at },
        { seg: 1, from: spec.resume.back, to: last },
      ]
    : [{ seg: 0, from: 0, to: last }];
  const oscAt = (t: number, k: number, i: number): number => {
    const o = spec.oscillation;
    if (!o || t < o.t0) return 0;
    const ramp = Math.min(1, (t - o.t0) / (4 * spec.logEvery));
    if (o.type === 'alternation') return ramp * o.amp * (k % 2 === 0 ? 1 : -1);
    if (o.type === 'ar_flip') return ramp * o.amp * oscNoise![i].next();
    const jitter = 0.02 * Math.sin(k / 97);
    return ramp * o.amp * Math.sin((2 * Math.PI * k) / o.periodBlocks + phase0 + jitter * o.periodBlocks);
  };
  for (const sg of segments) {
    for (let step = sg.from + spec.logEvery - 1 - (sg.from % spec.logEvery); step <= sg.to; step += spec.logEvery) {
      const k = Math.floor((step + 1) / spec.logEvery);
      const wall = wallAt(step, sg.seg);
      const g = growth(step);
      const m = imbalance(step);
      const lvl = levelAt(step);
      const bump = spec.resume && sg.seg === 1 ? 1 + spec.resume.bump * Math.exp(-(step - spec.resume.back) / (3 * spec.logEvery)) : 1;
      const ripple = spec.ripple ? 1 + spec.ripple.amp * Math.sin((2 * Math.PI * step) / spec.epochSteps + ripplePhase) + spec.ripple.harmonic2 * Math.sin((4 * Math.PI * step) / spec.epochSteps) : 1;
      const dd = d(step);
      sup.forEach((s, i) => {
        let e = noiseOf[i].next();
        if (spec.spikeRate > 0 && rnd.u() < spec.spikeRate) e += rnd.u(10, 60);
        let v = (s.inf + s.a * dd) * lvl * ripple * bump * Math.max(0.2, 1 + spec.noise * e) * (1 + oscAt(step, k, i)) * g;
        if (spec.divergence?.nan && g > 100) v = NaN;
        push(s.tag, step, v, wall, sg.seg);
      });
      // adversarial terms
      const learned = 1 - prog(step);
      // a slow random wander of the logits (stationary s.d. 0.3·ganWander): the players trade blows
      wander = 0.995 * wander + (spec.ganWander ?? 0) * rnd.gauss() * 0.03;
      let real = spec.dLogit * learned + wander + 0.05 * ganNoise[0].next();
      let fake = -spec.dLogit * 0.8 * learned - wander + 0.05 * ganNoise[1].next();
      let genAdvBase = 4.5 * scale * (1 + 0.05 * dd) * (1 + 0.1 * wander);
      if (spec.gan?.variant === 'd_winning') {
        real += 3.6 * m;
        fake -= 3.4 * m;
        genAdvBase *= 1 + 1.1 * m;
      } else if (spec.gan?.variant === 'd_not_learning' && step > spec.gan.t0) {
        const q = Math.min(1, (step - spec.gan.t0) / (0.03 * planned));
        real = (1 - q) * real + q * 0.003 * ganNoise[0].next();
        fake = (1 - q) * fake + q * 0.003 * ganNoise[1].next();
        genAdvBase = (1 - q) * genAdvBase + q * 6.93;
      } else if (spec.gan?.variant === 'g_fooling_d') {
        real *= 1 - 0.6 * m;
        fake = fake * (1 - m) + m * 0.3;
        genAdvBase *= 1 - 0.55 * m;
      }
      const gn = spec.divergence ? g : 1;
      const adNoise = spec.gan?.variant === 'd_not_learning' && step > spec.gan.t0 ? 0.002 : spec.ganNoise;
      const gp = 0.004 * scale * (1 + 2 * m) * Math.exp(0.2 * ganNoise[2].next()) * gn;
      let ld = (softplus(-real) + softplus(fake) + gp) * Math.max(0.2, 1 + adNoise * ganNoise[3].next()) * gn;
      let lg = genAdvBase * Math.max(0.2, 1 + Math.max(adNoise, 0.03) * ganNoise[2].next()) * (1 + 0.5 * oscAt(step, k, 0)) * gn;
      if (spec.divergence?.nan && g > 100) {
        ld = NaN;
        lg = NaN;
      }
      push('train_gen_adv', step, lg, wall, sg.seg);
      push('train_discr_adv', step, ld, wall, sg.seg);
      push('train_adv_discr_real_out', step, real * gn, wall, sg.seg);
      push('train_adv_discr_fake_out', step, fake * gn, wall, sg.seg);
      push('train_adv_discr_real_gp', step, gp, wall, sg.seg);
      if (spec.schedule && spec.schedule.logged) {
        if (!(sg.seg === 0 && spec.resume && step >= spec.resume.back)) {
          lrTag.steps.push(step);
          lrTag.values.push(spec.genLr * lrMultiplier(spec, step));
        }
      }
    }
  }
  // validation at each epoch end
  if (spec.withVal) {
    for (let e = 0; (e + 1) * spec.epochSteps - 1 <= last; e++) {
      const step = (e + 1) * spec.epochSteps - 1;
      const seg = spec.resume && step >= spec.resume.back ? 1 : 0;
      if (spec.resume && seg === 0 && step > spec.resume.at) continue;
      const wall = wallAt(step, seg) + valSec * 0.9;
      const dd = d(step);
      let loss = 1;
      let ssimOff = 0;
      let lpipsOff = 0;
      let fidMul = 1;
      let dv = dd;
      if (spec.overfitting && step > spec.overfitting.t0) {
        const k = (step - spec.overfitting.t0) / spec.epochSteps;
        dv = d(spec.overfitting.t0);
        loss *= 1 + spec.overfitting.perEpoch * k;
        ssimOff -= 0.6 * spec.overfitting.perEpoch * k * 0.17;
        lpipsOff += 0.5 * spec.overfitting.perEpoch * k * 0.12;
        fidMul *= 1 + 1.5 * spec.overfitting.perEpoch * k;
      }
      const g = growth(step);
      if (spec.divergence && g > 1) {
        loss *= g;
        ssimOff -= Math.min(0.4, 0.05 * Math.log(g));
        fidMul *= g;
      }
      const m = imbalance(step);
      if (spec.gan?.variant === 'd_winning') fidMul *= 1 + 0.35 * m;
      if (spec.gan?.variant === 'g_fooling_d') fidMul *= 1 + 0.45 * m;
      if (spec.gan?.variant === 'd_not_learning' && step > spec.gan.t0) fidMul *= 1 + Math.min(0.3, (0.3 * (step - spec.gan.t0)) / (0.2 * planned));
      const vn = () => spec.valNoise * rnd.gauss();
      const lvl = levelAt(step);
      const nan = spec.divergence?.nan && g > 100;
      const q = dv; // 1 = untrained, 0 = the asymptote
      const l1 = nan ? NaN : 0.8 * (0.03 + 0.03 * spec.aScale * dv) * scale * lvl * loss * (1 + vn());
      const pl = nan ? NaN : 0.8 * (0.8 + 0.5 * spec.aScale * dv) * scale * lvl * loss * (1 + vn());
      const ssim = Math.min(0.999, 0.89 - 0.17 * q - 0.1 * (lvl - 1) + ssimOff + 0.3 * spec.valNoise * rnd.gauss());
      const lpips = Math.max(0.001, (0.12 + 0.12 * q) * lvl + lpipsOff) * (1 + vn());
      const fid = nan ? NaN : Math.max(0.5, (8 + 22 * q) * lvl * fidMul * (1 + 1.5 * vn()));
      push('val_gen_l1', step, l1, wall, seg);
      push('val_gen_resnet_pl', step, pl, wall, seg);
      push('val_gen_adv', step, 4.4 * (1 + vn()), wall, seg);
      push('val_ssim_total_mean', step, ssim, wall, seg);
      push('val_ssim_total_std', step, 0.09, wall, seg);
      push('val_lpips_total_mean', step, lpips, wall, seg);
      push('val_fid_total_mean', step, fid, wall, seg);
      push('val_ssim_fid100_f1_total_mean', step, nan ? NaN : f1Of(ssim, fid), wall, seg);
      push('_val_fid_0-10%_mean', step, rnd.u() < 0.2 ? NaN : fid * 0.3, wall, seg);
      push('epoch', step, e, wall, seg);
    }
  }
  const series: SeriesInput[] = Object.entries(tags).map(([tag, t]) => ({
    tag,
    steps: t.steps,
    values: t.values,
    wallTimes: t.wall,
    ...(spec.resume ? { segments: t.seg } : {}),
  }));
  // GPU samples
  const gpu: { time: number; util: number }[] = [];
  if (spec.withGpu) {
    const endWall = wallAt(last, spec.resume ? 1 : 0) + 30;
    const total = endWall - t0Wall;
    const every = Math.max(5, total / 1500);
    const resumeGap = spec.resume ? [wallAt(spec.resume.at, 0) + 5, wallAt(spec.resume.back, 1) - 5] : null;
    const trainStartWall = wallAt(spec.logEvery - 1, 0);
    for (let t = t0Wall; t <= endWall; t += every) {
      let util: number;
      if (t < trainStartWall) util = rnd.u(0, 25);
      else if (resumeGap && t > resumeGap[0] && t < resumeGap[1]) util = 0;
      else {
        // invert wallAt: whole epochs (with their validation pause) first, then the steps of the current one
        const since = spec.resume && resumeGap && t >= resumeGap[1] ? t - wallAt(spec.resume.back, 1) + spec.resume.back * secPerStep + Math.floor(spec.resume.back / spec.epochSteps) * valSec : t - t0Wall - 60;
        const perEpoch = spec.epochSteps * secPerStep + valSec;
        const ep = Math.floor(since / perEpoch);
        const approxStep = ep * spec.epochSteps + Math.min(spec.epochSteps, (since - ep * perEpoch) / secPerStep);
        const inVal = ((t - t0Wall - 60) % (spec.epochSteps * secPerStep + valSec)) > spec.epochSteps * secPerStep;
        if (inVal) util = rnd.u(25, 60);
        else if (spec.gpu && approxStep >= spec.gpu.t0) {
          if (spec.gpu.pattern === 'gappy') util = rnd.u() < 0.45 ? rnd.u(0, 5) : rnd.u(35, 95);
          else util = rnd.u(12, 42);
        } else util = Math.min(100, rnd.u() < 0.03 ? rnd.u(35, 60) : 95 + 3 * rnd.gauss());
      }
      gpu.push({ time: Math.round(t * 1000), util: Math.round(util) });
    }
  }
  return {
    context: {
      genLr: spec.genLr,
      discLr: spec.discLr,
      genOptimizer: 'adam',
      batchSize: spec.batchSize,
      maxEpochs: spec.maxEpochs,
      limitTrainBatches: spec.epochSteps,
      valCheckInterval: spec.epochSteps,
      logEveryNSteps: spec.logEvery,
      gradientClipVal: 1,
      scheduler: spec.schedule && !spec.schedule.logged && spec.schedule.kind === 'sgdr' ? null : null,
      lastStep: last,
      configName: null,
      dataset: null,
      numWorkers: null,
      gpCoef: null,
    },
    series,
    ...(spec.withGpu ? { gpu } : {}),
    ...(lrTag.steps.length ? { lr: [{ tag: 'lr-Adam', steps: lrTag.steps, values: lrTag.values }, { tag: 'lr-Adam-1', steps: lrTag.steps, values: lrTag.values.map((v) => (v * spec.discLr) / spec.genLr) }] } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Families

const GEOMETRIES = [
  { epochSteps: 25000, logEvery: 250, epochs: [8, 40] },
  { epochSteps: 10000, logEvery: 250, epochs: [10, 40] },
  { epochSteps: 5000, logEvery: 50, epochs: [6, 30] },
  { epochSteps: 2500, logEvery: 50, epochs: [8, 40] },
  { epochSteps: 1000, logEvery: 50, epochs: [12, 40] },
] as const;

/**
 * A healthy learning curve: a power law x∞ + A·(1 + t/τ)^−γ that still improves by ≥ 2% of its level
 * over the last 30% of the planned steps (a run that keeps learning to the end) and decelerates (the
 * last third of the run gains < 40% of what the first third after warm-up gained). Rejection-sampled.
 */
function healthyShape(r: Rand): { tau: number; gamma: number; aScale: number } {
  for (let k = 0; k < 200; k++) {
    const tau = r.logU(0.004, 0.06);
    const gamma = r.u(0.3, 1.0);
    const aScale = r.u(0.8, 2.5);
    const d = (p: number) => Math.pow(1 + p / tau, -gamma);
    const level = (p: number) => 1 + aScale * d(p);
    const late = (level(0.7) - level(1)) / level(1);
    const g1 = level(0.05) - level(0.37);
    const g3 = level(0.68) - level(1);
    if (late >= 0.02 && g3 < 0.4 * g1) return { tau, gamma, aScale };
  }
  return { tau: 0.02, gamma: 0.5, aScale: 2 };
}

/**
 * A too-slow learning curve (the LR is 10–100× too low): decay time 1.5–8× the planned steps, still
 * visibly improving (≥ 2.5% of its level over the last 30% of the run) and almost linear (the last third
 * gains ≥ 75% of the first third). Rejection-sampled; flatter curves are plateaus, not slow runs.
 */
function slowShape(r: Rand): { tau: number; gamma: number; aScale: number } {
  for (let k = 0; k < 500; k++) {
    const tau = r.u(1.5, 8);
    const gamma = r.u(0.7, 1.5);
    const aScale = r.u(1, 3);
    const level = (p: number) => 1 + aScale * Math.pow(1 + p / tau, -gamma);
    const late = (level(0.7) - level(1)) / level(1);
    const g1 = level(0.05) - level(0.37);
    const g3 = level(0.68) - level(1);
    if (late >= 0.025 && g3 >= 0.75 * g1) return { tau, gamma, aScale };
  }
  return { tau: 1.5, gamma: 1.2, aScale: 3 };
}

function baseSpec(r: Rand, seed: number, o: { noise?: [number, number]; endFrac?: number; long?: boolean } = {}): Spec {
  const geo = o.long ? r.pick(GEOMETRIES.slice(0, 2)) : r.pick(GEOMETRIES);
  const maxEpochs = r.int(geo.epochs[0], geo.epochs[1]);
  const noise = r.logU(o.noise?.[0] ?? 0.003, o.noise?.[1] ?? 0.05);
  const shape = healthyShape(r);
  return {
    seed,
    epochSteps: geo.epochSteps,
    logEvery: geo.logEvery,
    maxEpochs,
    endFrac: o.endFrac ?? (r.u() < 0.6 ? 1 : r.u(0.55, 0.95)),
    tau: shape.tau,
    gamma: shape.gamma,
    aScale: shape.aScale,
    exp: false,
    noise,
    phi: r.u() < 0.3 ? 0 : r.u(0, 0.9),
    heavy: r.u() < 0.3,
    spikeRate: r.u() < 0.3 ? r.u(0.0005, 0.003) : 0,
    ganNoise: r.u(0.02, 0.1),
    ganPhi: r.u(0, 0.6),
    valNoise: r.u(0.002, 0.008),
    genLr: 1e-3,
    discLr: 1e-4,
    batchSize: r.pick([8, 10, 16, 30, 32]),
    dLogit: r.u(0.3, 1.2),
    withVal: true,
    withGpu: true,
  };
}

/** Onset as a fraction of the planned steps, leaving room for the run (endFrac) to show it. */
function onsetFrac(r: Rand, spec: Spec, lo = 0.2, hi = 0.55, room = 0.3): number {
  const maxF = Math.max(lo, Math.min(hi, spec.endFrac - room));
  return r.u(lo, maxF);
}

/** Periods (in blocks) that are not an epoch harmonic (those are epoch ripples by construction). */
function oscPeriod(r: Rand, spec: Spec): number {
  const epochBlocks = spec.epochSteps / spec.logEvery;
  const ok = [3, 4, 5, 6, 8, 10, 12, 16, 20, 24, 32].filter((p) => [1, 2, 3, 4].every((h) => Math.abs(p - epochBlocks / h) > 0.2 * (epochBlocks / h)));
  return r.pick(ok);
}

function snap(step: number, logEvery: number): number {
  return Math.floor(step / logEvery) * logEvery;
}

export function syntheticCases(perClass = 30, seedBase = 1): CorpusCase[] {
  const out: CorpusCase[] = [];
  const add = (family: string, label: FindingKind | null, hard: boolean, spec: Spec, onset: number | null, description: string) => {
    out.push({ id: `${family}-${spec.seed}`, family, label, onsetStep: onset, hardNegative: hard, description, run: generateRun(spec) });
  };
  let seed = seedBase * 100000;
  const next = () => ++seed;

  for (let i = 0; i < perClass; i++) {
    // plateau: progress frozen from t0
    {
      const s = next();
      const r = new Rand(s);
      const spec = baseSpec(r, s, { endFrac: r.u() < 0.5 ? 1 : r.u(0.8, 0.95) });
      const f = onsetFrac(r, spec, 0.15, 0.5, 0.3);
      const t0 = snap(f * spec.epochSteps * spec.maxEpochs, spec.logEvery);
      spec.plateau = { t0 };
      add('plateau', 'plateau', false, spec, t0, `progress frozen from ${(f * 100).toFixed(0)}% (noise ${(spec.noise * 100).toFixed(1)}%, φ ${spec.phi.toFixed(2)})`);
    }
    // oscillation: sinusoid, alternation or anti-persistent noise from t0
    {
      const s = next();
      const r = new Rand(s);
      const spec = baseSpec(r, s, { endFrac: r.u() < 0.5 ? 1 : r.u(0.75, 0.95) });
      const f = onsetFrac(r, spec, 0.2, 0.6, 0.25);
      const t0 = snap(f * spec.epochSteps * spec.maxEpochs, spec.logEvery);
      const type = r.pick(['sine', 'sine', 'alternation', 'ar_flip'] as const);
      const periodBlocks = type === 'sine' ? oscPeriod(r, spec) : 2;
      const amp = Math.max(0.02, r.u(1.5, 4) * spec.noise);
      spec.oscillation = { t0, type, periodBlocks, amp };
      add('oscillation', 'oscillation', false, spec, t0, `${type}${type === 'sine' ? ` P=${periodBlocks} blocks` : ''}, amplitude ${(amp * 100).toFixed(1)}% from ${(f * 100).toFixed(0)}%`);
    }
    // divergence: multiplicative growth from t0, sometimes NaN at the end
    {
      const s = next();
      const r = new Rand(s);
      const spec = baseSpec(r, s);
      const f = onsetFrac(r, spec, 0.2, 0.8, 0.1);
      const t0 = snap(f * spec.epochSteps * spec.maxEpochs, spec.logEvery);
      const rate = r.logU(0.01, 0.5);
      const lastStep = spec.endFrac * spec.epochSteps * spec.maxEpochs;
      // the run lasts until the loss grew ≥ 4× (or until NaN): otherwise it did not diverge yet
      const need = t0 + (Math.log(5) / rate) * spec.logEvery;
      if (need > lastStep) spec.endFrac = Math.min(1.5, need / (spec.epochSteps * spec.maxEpochs) + 0.02);
      spec.divergence = { t0, ratePerBlock: rate, nan: r.u() < 0.5 };
      add('divergence', 'divergence', false, spec, t0, `growth ${rate.toFixed(3)}/block from ${(f * 100).toFixed(0)}%${spec.divergence.nan ? ', then NaN' : ''}`);
    }
    // overfitting: validation losses U-shaped from t0, training still improving
    {
      const s = next();
      const r = new Rand(s);
      const spec = baseSpec(r, s, { endFrac: 1 });
      spec.maxEpochs = Math.max(spec.maxEpochs, 12);
      const e0 = r.int(Math.max(3, Math.round(spec.maxEpochs * 0.2)), Math.round(spec.maxEpochs * 0.6));
      const t0 = e0 * spec.epochSteps - 1;
      const perEpoch = r.u(0.02, 0.06);
      spec.overfitting = { t0, perEpoch };
      add('overfitting', 'overfitting', false, spec, t0, `val losses +${(perEpoch * 100).toFixed(1)}%/epoch after epoch ${e0} of ${spec.maxEpochs}`);
    }
    // GAN imbalance: three variants
    {
      const s = next();
      const r = new Rand(s);
      const spec = baseSpec(r, s, { endFrac: r.u() < 0.6 ? 1 : r.u(0.8, 0.95) });
      spec.maxEpochs = Math.max(spec.maxEpochs, 10);
      const f = onsetFrac(r, spec, 0.15, 0.5, 0.35);
      const t0 = snap(f * spec.epochSteps * spec.maxEpochs, spec.logEvery);
      const variant = (['d_winning', 'd_not_learning', 'g_fooling_d'] as const)[i % 3];
      spec.gan = { t0, variant, tau: r.u(0.02, 0.08) };
      add('gan_imbalance', 'gan_imbalance', false, spec, t0, `${variant} from ${(f * 100).toFixed(0)}%`);
    }
    // slow convergence: decay time 2–10× the planned steps (×10–100 the healthy one)
    {
      const s = next();
      const r = new Rand(s);
      const spec = baseSpec(r, s, { endFrac: r.u() < 0.6 ? 1 : r.u(0.45, 0.95) });
      Object.assign(spec, slowShape(r));
      spec.slow = true;
      spec.genLr = r.pick([1e-5, 3e-5, 1e-4]);
      spec.discLr = spec.genLr / 10;
      add('slow_convergence', 'slow_convergence', false, spec, 0, `τ = ${spec.tau.toFixed(1)}× the planned steps, γ ${spec.gamma.toFixed(2)}`);
    }
    // GPU under-utilisation
    {
      const s = next();
      const r = new Rand(s);
      const spec = baseSpec(r, s);
      const fromStart = r.u() < 0.5;
      const f = fromStart ? 0 : onsetFrac(r, spec, 0.15, 0.5, 0.4);
      const t0 = snap(f * spec.epochSteps * spec.maxEpochs, spec.logEvery);
      spec.gpu = { t0, pattern: r.u() < 0.5 ? 'gappy' : 'low' };
      add('gpu', 'gpu_underutilization', false, spec, t0, `${spec.gpu.pattern} from ${(f * 100).toFixed(0)}%`);
    }
  }
  return out;
}

export function hardNegativeCases(perFamily = 12, seedBase = 7): CorpusCase[] {
  const out: CorpusCase[] = [];
  let seed = seedBase * 100000;
  const next = () => ++seed;
  const add = (family: string, spec: Spec, description: string) =>
    out.push({ id: `${family}-${spec.seed}`, family, label: null, onsetStep: null, hardNegative: true, description, run: generateRun(spec) });
  for (let i = 0; i < perFamily; i++) {
    {
      const s = next();
      const r = new Rand(s);
      const spec = baseSpec(r, s);
      add('healthy', spec, `noise ${(spec.noise * 100).toFixed(1)}%, φ ${spec.phi.toFixed(2)}${spec.heavy ? ', heavy tails' : ''}${spec.spikeRate ? ', spikes' : ''}`);
    }
    {
      // LR step drops at logged LR steps (MultiStepLR)
      const s = next();
      const r = new Rand(s);
      const spec = baseSpec(r, s);
      const planned = spec.epochSteps * spec.maxEpochs;
      const ms = r.u() < 0.5 ? [0.5, 0.75] : [0.3, 0.6, 0.85];
      spec.schedule = { kind: 'multistep', milestones: ms.map((m) => Math.round(m * spec.maxEpochs) * spec.epochSteps), gamma: r.pick([0.1, 0.5]), logged: true };
      add('lr_step_drops', spec, `MultiStepLR at ${ms.join(', ')} of ${planned} steps, LR logged`);
    }
    {
      // warm restarts (saw-tooth), LR logged or not
      const s = next();
      const r = new Rand(s);
      const spec = baseSpec(r, s);
      const logged = i % 2 === 0;
      // without a logged LR the saw-tooth must be visible: restart jumps of ≥ 4 noise s.d.
      const kappa = logged ? r.u(0.05, 0.2) : Math.max(r.u(0.05, 0.2), 4 * spec.noise);
      spec.schedule = { kind: 'sgdr', t0: spec.epochSteps * r.pick([1, 2]), tMult: r.pick([1, 2]), kappa, logged };
      add('sgdr_sawtooth', spec, `CosineAnnealingWarmRestarts T_0=${spec.schedule.t0}, T_mult=${spec.schedule.tMult}${logged ? ', LR logged' : ', LR not logged'}`);
    }
    {
      // warm-up ramp
      const s = next();
      const r = new Rand(s);
      const spec = baseSpec(r, s);
      const planned = spec.epochSteps * spec.maxEpochs;
      spec.schedule = { kind: 'warmup', steps: Math.round(r.u(0.01, 0.05) * planned), logged: i % 3 !== 2 };
      add('warmup_ramp', spec, `linear warm-up over ${spec.schedule.steps} steps${spec.schedule.logged ? ', LR logged' : ''}`);
    }
    {
      // epoch-periodic ripple, in band (short epochs)
      const s = next();
      const r = new Rand(s);
      const spec = baseSpec(r, s);
      const geo = r.pick([
        { epochSteps: 2500, logEvery: 250 },
        { epochSteps: 4000, logEvery: 250 },
        { epochSteps: 1000, logEvery: 50 },
        { epochSteps: 800, logEvery: 50 },
        { epochSteps: 1250, logEvery: 50 },
      ]);
      spec.epochSteps = geo.epochSteps;
      spec.logEvery = geo.logEvery;
      spec.maxEpochs = r.int(25, 120);
      spec.ripple = { amp: r.u(0.01, 0.05), harmonic2: r.u(0, 0.015) };
      add('epoch_ripple', spec, `ripple ${(spec.ripple.amp * 100).toFixed(1)}% with period = epoch (${spec.epochSteps} steps = ${spec.epochSteps / spec.logEvery} points)`);
    }
    {
      // noisy but healthy GAN losses
      const s = next();
      const r = new Rand(s);
      const spec = baseSpec(r, s);
      spec.ganNoise = r.u(0.1, 0.25);
      spec.ganPhi = r.u(0.3, 0.9);
      spec.heavy = true;
      spec.ganWander = r.u(0.2, 1);
      spec.dLogit = r.u(0.2, 1.5);
      add('noisy_gan', spec, `adversarial noise ${(spec.ganNoise * 100).toFixed(0)}%, φ ${spec.ganPhi.toFixed(2)}, wandering D`);
    }
    {
      // resumed from a checkpoint: overlapping segment, transient bump, GPU idle gap
      const s = next();
      const r = new Rand(s);
      const spec = baseSpec(r, s, { endFrac: 1 });
      spec.maxEpochs = Math.max(spec.maxEpochs, 6);
      const planned = spec.epochSteps * spec.maxEpochs;
      const at = snap(r.u(0.35, 0.7) * planned, spec.logEvery) + spec.logEvery - 1;
      const back = Math.floor(at / spec.epochSteps) * spec.epochSteps;
      spec.resume = { at, back: Math.max(spec.epochSteps, back), bump: r.u(0.03, 0.15) };
      add('resumed', spec, `resumed at step ${spec.resume.back} after crashing at ${at}, bump ${(spec.resume.bump * 100).toFixed(0)}%`);
    }
    {
      // short runs
      const s = next();
      const r = new Rand(s);
      const spec = baseSpec(r, s);
      const geo = r.pick([
        { epochSteps: 1000, logEvery: 50 },
        { epochSteps: 2500, logEvery: 250 },
        { epochSteps: 25000, logEvery: 250 },
      ]);
      spec.epochSteps = geo.epochSteps;
      spec.logEvery = geo.logEvery;
      spec.maxEpochs = r.int(1, 4);
      spec.endFrac = r.u(0.3, 1);
      spec.withVal = r.u() < 0.5;
      add('short', spec, `${spec.maxEpochs} epochs of ${spec.epochSteps}, ${Math.round(spec.endFrac * 100)}% run`);
    }
    {
      // validation jitter (val-only noise), in-progress
      const s = next();
      const r = new Rand(s);
      const spec = baseSpec(r, s);
      spec.valNoise = r.u(0.01, 0.02);
      add('val_jitter', spec, `validation noise ${(spec.valNoise * 100).toFixed(1)}%`);
    }
    {
      // converging at the end: cosine LR decay to ~0 over the whole run (LR logged), the loss flattens
      const s = next();
      const r = new Rand(s);
      const spec = baseSpec(r, s, { endFrac: 1, long: r.u() < 0.5 });
      spec.schedule = { kind: 'cosine', kappa: r.u(0.05, 0.15), logged: true };
      add('converged', spec, `CosineAnnealingLR to 1% over the run (LR logged), the loss flattens at the end`);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// `lrscope demo` scenarios (server/demo/scenarios.ts): train tags every logEveryNSteps, val tags at
// each epoch end, nvidia-smi samples at 1 simulated second = 200 steps.

const SCENARIO_LABEL: Record<Scenario, FindingKind | null> = {
  healthy: null,
  oscillation: 'oscillation',
  plateau: 'plateau',
  overfitting: 'overfitting',
  divergence: 'divergence',
  gan_imbalance: 'gan_imbalance',
  slow_convergence: 'slow_convergence',
  gpu_bound: 'gpu_underutilization',
};

export function demoRun(s: Scenario, steps?: number, seedOffset = 0): { run: RunData; onset: number | null } {
  const cfg0 = defaultConfig(s, steps);
  const cfg = { ...cfg0, seed: cfg0.seed + seedOffset };
  const rand = demoRng(cfg.seed);
  const t0 = 1_795_000_000;
  const tags: Record<string, { steps: number[]; values: number[]; wall: number[] }> = {};
  const push = (tag: string, step: number, v: number, w: number) => {
    const t = (tags[tag] ??= { steps: [], values: [], wall: [] });
    t.steps.push(step);
    t.values.push(v);
    t.wall.push(w);
  };
  for (let step = cfg.logEveryNSteps - 1; step < cfg.steps; step += cfg.logEveryNSteps) {
    const vals = trainValues(s, step, cfg, rand);
    for (const [tag, v] of Object.entries(vals)) push(tag, step, v, t0 + step / 200);
    if ((step + 1) % cfg.limitTrainBatches === 0) {
      const epoch = (step + 1) / cfg.limitTrainBatches - 1;
      const { scalars } = valValues(s, epoch, cfg, rand);
      for (const [tag, v] of Object.entries(scalars)) push(tag, step, v, t0 + step / 200);
    }
  }
  const gpuRand = demoRng(cfg.seed + 7);
  const gpu: { time: number; util: number }[] = [];
  for (let t = 0; t <= cfg.steps / 200; t++) gpu.push({ time: Math.round((t0 + t) * 1000), util: gpuValues(s, t, gpuRand).util });
  const run: RunData = {
    context: {
      genLr: cfg.genLr,
      discLr: cfg.discLr,
      genOptimizer: 'adam',
      batchSize: cfg.batchSize,
      maxEpochs: cfg.steps / cfg.limitTrainBatches,
      limitTrainBatches: cfg.limitTrainBatches,
      valCheckInterval: cfg.limitTrainBatches,
      logEveryNSteps: cfg.logEveryNSteps,
      gradientClipVal: 1,
      scheduler: null,
      lastStep: cfg.steps - 1,
      configName: null,
      dataset: null,
      numWorkers: null,
      gpCoef: null,
    },
    series: Object.entries(tags).map(([tag, t]) => ({ tag, steps: t.steps, values: t.values, wallTimes: t.wall })),
    gpu,
  };
  return { run, onset: demoOnset(s, cfg) };
}

export function demoCases(): CorpusCase[] {
  const out: CorpusCase[] = [];
  for (const s of SCENARIOS) {
    for (const [steps, off] of [
      [undefined, 0],
      [60_000, 11],
    ] as const) {
      const { run, onset } = demoRun(s, steps, off);
      const label = SCENARIO_LABEL[s];
      out.push({
        id: `demo-${s}${steps ? `-${steps}` : ''}`,
        family: 'demo',
        label,
        onsetStep: label ? onset : null,
        hardNegative: false,
        description: `lrscope demo ${s}${steps ? ` (${steps} steps)` : ''}`,
        run,
      });
    }
  }
  return out;
}

/**
 * The benchmark corpus. `seed` selects the generator seeds (1 = the default development set; any other
 * value gives a held-out set of the same families).
 */
export function buildCorpus(o: { perClass?: number; perFamily?: number; seed?: number } = {}): CorpusCase[] {
  const seed = o.seed ?? 1;
  return [...syntheticCases(o.perClass ?? 30, seed), ...hardNegativeCases(o.perFamily ?? 12, seed === 1 ? 7 : seed * 13 + 7), ...demoCases()];
}

/** A large LaMa-like run: 8 training tags × points/8 (the 1M-point timing case). */
export function bigRun(points = 1_000_000): RunData {
  const perTag = Math.floor(points / 8);
  const spec: Spec = {
    ...baseSpec(new Rand(424242), 424242, { endFrac: 1 }),
    epochSteps: 25000,
    logEvery: 8,
    maxEpochs: 40,
  };
  spec.maxEpochs = Math.ceil((perTag * spec.logEvery) / spec.epochSteps);
  spec.endFrac = (perTag * spec.logEvery) / (spec.epochSteps * spec.maxEpochs);
  spec.withVal = true;
  const run = generateRun(spec);
  return run;
}
