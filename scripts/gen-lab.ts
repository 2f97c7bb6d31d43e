// npm run gen:lab -- --out DIR [--runs 1000] [--points 100000000] [--seed 1] [--biggest N] [--long K] [--train-tags 9]
//
// Writes a LaMa-shaped lab: experiments/<run>/{config.yaml, .hydra/*, train.log, gpu_util.txt} and
// tb_logs/<run>/version_0/{hparams.yaml, events.out.tfevents.*} (the layout LaMa's Hydra + Lightning jobs
// leave, as tests/helpers/lamaTree.ts builds it), `runs` runs holding `points` scalar points in all:
// a few long runs (the biggest holds 10% of the points: 10M of 100M; the next ones 1/2, 1/3, … of that;
// one in 200 runs is long) and many small ones of varied length. Deterministic for a seed.
//
// Event files are real TFRecord-framed `Event` protobufs, byte for byte what torch's SummaryWriter
// (and server/ingest/tfeventsWriter.ts) writes for add_scalar; encoded here by hand from per-tag
// templates, because protobufjs takes ~1 µs per event and a lab is 10^8 events. train.log holds the
// start-up records and a validation table per epoch; the nvidia-smi log a few hundred samples.
// generateLab() is exported for bench:scale and the tests.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { maskedCrc32c } from '../server/ingest/crc32c';
import { eventFileName } from '../server/ingest/tfeventsWriter';
import { rng } from '../server/lib/rng';
import { writeRunConfigs } from '../server/demo/runConfigs';
import { configYaml, runFolderName, startupRecords, evaluationRecords, trainDataloaderRecord, logRecord, validationTable, nvidiaSmiRow, QUERY_HEADER, BUCKETS, type LamaRunSpec } from '../server/demo/lamaFormat';

export interface LabOptions {
  /** folder to write the lab into (created; must be empty or missing) */
  out: string;
  runs: number;
  /** scalar points in all (every tag of every run) */
  points: number;
  seed?: number;
  /** points of the biggest run (default 10% of `points`) */
  biggest?: number;
  /** long runs (default one in 200, at least 1) */
  long?: number;
  /** training tags logged per step, from TRAIN_TAGS (default all 9; 1: every point of a run in one series) */
  trainTags?: number;
  log?: (s: string) => void;
}

export interface LabRun {
  name: string;
  runDir: string;
  tbDir: string;
  eventFile: string;
  points: number;
  steps: number;
  /** the step where the run resumed from an earlier checkpoint (steps go back), or null */
  resumedAt: number | null;
  spec: LamaRunSpec;
}

export interface Lab {
  out: string;
  runs: LabRun[];
  points: number;
  /** bytes of event files */
  eventBytes: number;
  ms: number;
}

/** Logged every training step, as LaMa's DefaultInpaintingTrainingModule logs them (plus the epoch). */
export const TRAIN_TAGS = [
  'train_gen_l1', 'train_gen_fm', 'train_gen_resnet_pl', 'train_gen_adv', 'train_discr_adv',
  'train_adv_discr_real_out', 'train_adv_discr_fake_out', 'train_adv_discr_real_gp', 'epoch',
];
/** Logged once per epoch (validation). */
export const VAL_TAGS = ['val_ssim_total_mean', 'val_lpips_total_mean', 'val_fid_total_mean', 'val_ssim_fid100_f1_total_mean'];

const USERS = ['alice', 'bob', 'k_ivanova', 't_nguyen', 'j_doe', 'lab', 'zoe'];
const CONFIGS = ['lama-fourier', 'big-lama', 'lama-regular', 'lama_fourier_small', 'lama_ablation_fm'];
const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);
const STEP_SECONDS = 0.5;

/** Points per run: long runs biggest, biggest/2, …; the rest log-uniform around the mean, summing to `points`. */
export function runSizes(o: Pick<LabOptions, 'runs' | 'points' | 'biggest' | 'long' | 'seed'>): number[] {
  const rand = rng((o.seed ?? 1) * 7919 + 1);
  const nLong = Math.min(o.runs, o.long ?? Math.max(1, Math.round(o.runs / 200)));
  const biggest = Math.min(o.points, o.biggest ?? Math.round(o.points / 10));
  const sizes: number[] = [];
  for (let k = 0; k < nLong; k++) sizes.push(Math.round(biggest / (k + 1)));
  const longSum = sizes.reduce((a, b) => a + b, 0);
  const rest = o.runs - nLong;
  const left = Math.max(0, o.points - longSum);
  if (rest > 0) {
    // small runs stay below the smallest long run (unless the budget leaves no other way)
    const cap = Math.max(Math.round(biggest / (nLong + 1)), Math.ceil(left / rest));
    const w = Array.from({ length: rest }, () => Math.exp((rand() - 0.5) * 3)); // ×0.2 … ×4.5 of the mean
    const n = new Array<number>(rest).fill(0);
    const capped = new Array<boolean>(rest).fill(false);
    let todo = left;
    for (let pass = 0; pass < 20 && todo > 0; pass++) {
      const total = w.reduce((a, x, k) => (capped[k] ? a : a + x), 0);
      if (total === 0) break;
      let given = 0;
      for (let k = 0; k < rest; k++) {
        if (capped[k]) continue;
        const add = Math.min(cap - n[k], Math.floor((todo * w[k]) / total));
        n[k] += add;
        given += add;
        if (n[k] >= cap) capped[k] = true;
      }
      todo -= given;
      if (given === 0) break;
    }
    // rounding: one point at a time to the runs below the cap
    for (let k = 0; todo > 0 && k < 10 * rest; k++) {
      if (n[k % rest] < cap) {
        n[k % rest]++;
        todo--;
      }
    }
    sizes.push(...n);
  } else if (left > 0) sizes[0] += left;
  return sizes;
}

// ---------------------------------------------------------------------------------------------
// event encoding (simple_value scalars, as protobufjs / torch encode them)

function varintLen(v: number): number {
  let n = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

function putVarint(b: Buffer, p: number, v: number): number {
  while (v >= 128) {
    b[p++] = (v % 128) | 128;
    v = Math.floor(v / 128);
  }
  b[p++] = v;
  return p;
}

/** Appends framed Events to a file through a fixed buffer. */
class EventWriter {
  private buf = Buffer.allocUnsafe(4 * 1024 * 1024);
  private pos = 0;
  bytes = 0;
  private readonly tags: Buffer[];

  constructor(private readonly fd: number, tags: string[]) {
    this.tags = tags.map((t) => Buffer.from(t, 'utf8'));
  }

  private room(n: number): void {
    if (this.pos + n > this.buf.length) this.flush();
  }

  flush(): void {
    if (this.pos > 0) fs.writeSync(this.fd, this.buf, 0, this.pos);
    this.bytes += this.pos;
    this.pos = 0;
  }

  /** Frames the Event data at [start, pos) written after a 12-byte gap. */
  private frame(start: number): void {
    const b = this.buf;
    const len = this.pos - start - 12;
    b.writeUInt32LE(len, start);
    b.writeUInt32LE(0, start + 4);
    b.writeUInt32LE(maskedCrc32c(b, start, start + 8), start + 8);
    b.writeUInt32LE(maskedCrc32c(b, start + 12, this.pos), this.pos);
    this.pos += 4;
  }

  fileVersion(wall: number): void {
    this.room(64);
    const start = this.pos;
    const b = this.buf;
    let p = start + 12;
    b[p++] = 0x09;
    b.writeDoubleLE(wall, p);
    p += 8;
    const v = Buffer.from('brain.Event:2');
    b[p++] = 0x1a;
    b[p++] = v.length;
    v.copy(b, p);
    this.pos = p + v.length;
    this.frame(start);
  }

  scalar(tag: number, step: number, wall: number, value: number): void {
    const t = this.tags[tag];
    this.room(t.length + 64);
    const b = this.buf;
    const start = this.pos;
    let p = start + 12;
    if (wall !== 0) {
      b[p++] = 0x09;
      b.writeDoubleLE(wall, p);
      p += 8;
    }
    if (step !== 0) {
      b[p++] = 0x10;
      p = putVarint(b, p, step);
    }
    const valueLen = 1 + varintLen(t.length) + t.length + 5;
    const summaryLen = 1 + varintLen(valueLen) + valueLen;
    b[p++] = 0x2a;
    p = putVarint(b, p, summaryLen);
    b[p++] = 0x0a;
    p = putVarint(b, p, valueLen);
    b[p++] = 0x0a;
    p = putVarint(b, p, t.length);
    t.copy(b, p);
    p += t.length;
    b[p++] = 0x15;
    b.writeFloatLE(value, p);
    this.pos = p + 4;
    this.frame(start);
  }
}

// ---------------------------------------------------------------------------------------------
// one run

interface Curve {
  base: number;
  decay: number;
  noise: number;
}

function writeRun(out: string, i: number, points: number, rand: () => number, isLong: boolean, trainTags: string[]): LabRun {
  const TRAIN = trainTags; // the first n of TRAIN_TAGS
  const startedAt = T0 + i * 3_600_000 + Math.floor(rand() * 3_000_000);
  // long runs resume once from an earlier checkpoint (steps go back: a second segment) and replay a tenth
  const resumes = isLong && points / TRAIN.length > 1100;
  const steps = Math.max(1, Math.floor(points / TRAIN.length / (resumes ? 1.1 : 1)));
  // about 10–40 epochs; the validation points come on top of the training ones, taken from the budget
  const epochsWanted = 10 + Math.floor(rand() * 30);
  const limitTrainBatches = Math.max(10, Math.ceil(steps / epochsWanted));
  const spec: LamaRunSpec = {
    user: USERS[Math.floor(rand() * USERS.length)],
    startedAt,
    configName: CONFIGS[Math.floor(rand() * CONFIGS.length)],
    title: isLong ? 'long' : '',
    genLr: [1e-3, 5e-4, 2e-4, 1e-4][Math.floor(rand() * 4)],
    discLr: [1e-4, 1e-5, 4e-4][Math.floor(rand() * 3)],
    batchSize: [4, 8, 10, 16][Math.floor(rand() * 4)],
    maxEpochs: Math.ceil(steps / limitTrainBatches), // set to the epochs completed once written
    limitTrainBatches,
    logEveryNSteps: 1,
    tbDir: '/cluster/tb_logs',
    outRootDir: '/cluster/experiments',
  };
  const name = runFolderName(spec);
  const runDir = path.join(out, 'experiments', name);
  const tbDir = path.join(out, 'tb_logs', name, 'version_0');
  fs.mkdirSync(path.join(runDir, '.hydra'), { recursive: true });
  fs.mkdirSync(tbDir, { recursive: true });
  const t0 = startedAt / 1000;
  const eventFile = path.join(tbDir, eventFileName(t0, `gpu-node-${String(i % 16).padStart(2, '0')}`, 4000 + i, 0));
  const fd = fs.openSync(eventFile, 'w');
  const tags = [...TRAIN, ...VAL_TAGS];
  const w = new EventWriter(fd, tags);
  const curves: Curve[] = TRAIN.map(() => ({ base: 0.05 + rand(), decay: 0.5 + 3 * rand(), noise: 0.01 + 0.05 * rand() }));
  const resumedAt = resumes ? Math.floor(steps * 0.75) : null;
  const resumeTo = resumedAt === null ? 0 : Math.floor(steps * 0.65);
  let log = startupRecords(startedAt, spec, configYaml(spec)) + trainDataloaderRecord(startedAt + 1700, spec);
  let gpu = QUERY_HEADER + '\n';
  const gpuEvery = Math.max(1, Math.floor(steps / 300));
  let written = 0;
  let lastValidated = -1;
  w.fileVersion(t0);
  // one noise value per step and tag: a cheap hash, not rand() (10^8 calls)
  let h = (i + 1) * 2654435761;
  let wall = t0 + 2;
  const iterations = steps + (resumedAt === null ? 0 : resumedAt - resumeTo); // the replayed steps come on top
  for (let k = 0; k < iterations && written < points; k++) {
    const step = resumedAt !== null && k >= resumedAt ? k - resumedAt + resumeTo : k;
    wall += STEP_SECONDS;
    const x = step / steps;
    const epoch = Math.floor(step / limitTrainBatches);
    for (let t = 0; t < TRAIN.length && written < points; t++) {
      h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) ^ Math.imul(h ^ (h >>> 12), 0x297a2d39);
      const u = (h >>> 0) / 4294967296 - 0.5;
      const c = curves[t];
      const v = TRAIN[t] === 'epoch' ? epoch : c.base * Math.exp(-c.decay * x) + c.noise * u;
      w.scalar(t, step, wall, v);
      written++;
    }
    if (k % gpuEvery === 0) gpu += nvidiaSmiRow(wall * 1000, 0, 85 + (k % 13), 40 + (k % 7), 30_000 + (k % 1000), 65, 280);
    if ((step + 1) % limitTrainBatches === 0 && written + VAL_TAGS.length <= points) {
      const ssim = 0.7 + 0.25 * (1 - Math.exp(-3 * x));
      const vals = [ssim, 0.3 - 0.2 * x, 40 - 30 * x, ssim - 0.01];
      for (let t = 0; t < VAL_TAGS.length; t++) w.scalar(TRAIN.length + t, step, wall, vals[t]);
      written += VAL_TAGS.length;
      lastValidated = Math.max(lastValidated, epoch);
      const rows = [...BUCKETS, 'total'].map((label, b) => ({ label, fid: vals[2] + b, lpips: vals[1] + 0.01 * b, lpipsStd: 0.02, ssim: ssim - 0.01 * b, ssimStd: 0.03 }));
      log += evaluationRecords(wall * 1000);
      log += logRecord(wall * 1000 + 6, 'saicinpainting.training.trainers.base', 'INFO', validationTable('Validation', epoch, step + 1, { rows, f1: ssim - 0.01 }));
    }
  }
  // the budget's rounding: the last step's tags up to `points`
  while (written < points) {
    w.scalar(0, steps + written, wall, 0.01);
    written++;
  }
  w.flush();
  fs.closeSync(fd);
  // configs last: max_epochs is what the run completed (so it reads as finished)
  spec.maxEpochs = Math.max(1, lastValidated + 1);
  const overrides = ['location=places_standard', `data.batch_size=${spec.batchSize}`, `trainer.kwargs.limit_train_batches=${limitTrainBatches}`];
  writeRunConfigs(runDir, tbDir, spec, overrides);
  fs.writeFileSync(path.join(runDir, 'train.log'), log);
  fs.writeFileSync(path.join(runDir, 'gpu_util.txt'), gpu);
  return { name, runDir, tbDir, eventFile, points: written, steps, resumedAt, spec };
}

export function generateLab(o: LabOptions): Lab {
  const t = Date.now();
  const log = o.log ?? (() => {});
  if (fs.existsSync(o.out) && fs.readdirSync(o.out).length > 0) throw new Error(`${o.out} is not empty`);
  fs.mkdirSync(o.out, { recursive: true });
  const sizes = runSizes(o);
  const nLong = Math.min(o.runs, o.long ?? Math.max(1, Math.round(o.runs / 200)));
  const rand = rng(o.seed ?? 1);
  const runs: LabRun[] = [];
  let bytes = 0;
  let points = 0;
  let lastLog = Date.now();
  for (let i = 0; i < o.runs; i++) {
    const r = writeRun(o.out, i, sizes[i], rand, i < nLong, TRAIN_TAGS.slice(0, Math.max(1, Math.min(TRAIN_TAGS.length, o.trainTags ?? TRAIN_TAGS.length))));
    runs.push(r);
    points += r.points;
    bytes += fs.statSync(r.eventFile).size;
    if (Date.now() - lastLog > 5000) {
      log(`  gen-lab: ${i + 1}/${o.runs} runs, ${points.toLocaleString()} points, ${(bytes / 1e9).toFixed(2)} GB\n`);
      lastLog = Date.now();
    }
  }
  return { out: o.out, runs, points, eventBytes: bytes, ms: Date.now() - t };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      runs: { type: 'string', default: '1000' },
      points: { type: 'string', default: '100000000' },
      seed: { type: 'string', default: '1' },
      biggest: { type: 'string' },
      long: { type: 'string' },
      'train-tags': { type: 'string' },
    },
  });
  if (!values.out) {
    console.error('usage: npm run gen:lab -- --out DIR [--runs 1000] [--points 100000000] [--seed 1] [--biggest N] [--long K] [--train-tags 9]');
    process.exit(2);
  }
  const lab = generateLab({
    out: path.resolve(values.out),
    runs: Number(values.runs),
    points: Number(values.points),
    seed: Number(values.seed),
    biggest: values.biggest ? Number(values.biggest) : undefined,
    long: values.long ? Number(values.long) : undefined,
    trainTags: values['train-tags'] ? Number(values['train-tags']) : undefined,
    log: (s) => process.stderr.write(s),
  });
  const big = lab.runs.reduce((a, r) => (r.points > a.points ? r : a));
  console.log(
    `wrote ${lab.runs.length} runs, ${lab.points.toLocaleString()} points (${(lab.eventBytes / 1e9).toFixed(2)} GB of event files) in ${(lab.ms / 1000).toFixed(1)} s; ` +
      `biggest: ${big.name} (${big.points.toLocaleString()} points)`,
  );
}
