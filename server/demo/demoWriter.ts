// `lrscope demo`: a simulated LaMa job writing, live, the files a real one writes (docs/lama-run-format.md):
//   <dir>/experiments/<run>/{.hydra/*.yaml, config.yaml, train.log, gpu.csv}
//   <dir>/tb_logs/<run>/version_0/{hparams.yaml, events.out.tfevents.*}
// Values come from scenarios.ts (pure); this module owns the clock, the buffering and the I/O.
//
// Like the real thing, bytes reach disk in bursts: the event file is flushed every `flushEveryMs`
// (SummaryWriter's flush thread) and a flush may stop part-way through a record (an OS buffer cut);
// train.log gets whole records, but now and then a line without its '\n' that is completed at the
// next tick. No byte is ever lost or reordered; everything is flushed at the end and on stop().
import fs from 'node:fs';
import path from 'node:path';
import {
  configYaml, hydraYaml, overridesYaml, hparamsYaml, runFolderName, validationTable, nvidiaSmiRow, QUERY_HEADER,
  logRecord, startupRecords, evaluationRecords, trainDataloaderRecord, trainingFailedRecord, nonFiniteFidTraceback,
  interruptedRecord, type LamaRunSpec,
} from './lamaFormat';
import {
  defaultConfig, rng, trainValues, valValues, testValues, gpuValues, explodeStep, type Scenario, type ScenarioConfig,
} from './scenarios';
import { encodeFileVersionEvent, encodeScalarEvent, eventRecord, eventFileName } from '../ingest/tfeventsWriter';

/** Simulated steps per second at speed 1 (a logged point per tag every 250 ms with log_every_n_steps 50). */
export const STEPS_PER_SECOND = 200;
/** One nvidia-smi row per simulated second = this many steps. */
export const STEPS_PER_SIM_SECOND = 200;
export const TICK_MS = 50;
/** simulated start-up (config dump, model build, sanity check) before step 0, at speed ≤ 1 */
const STARTUP_MS = 1800;
export const DEFAULT_FLUSH_MS = 1000;
export const DEMO_HOST = 'lrscope-demo';
export const DEMO_CONFIG_NAME = 'lama-fourier';
export const GPU_MEMORY_TAG = 'gpu_id: 0/memory.used (MB)';
/** probability that an event-file flush stops inside its last record */
const EVENT_CUT_PROB = 0.5;
/** probability that a train.log write leaves its last line unfinished until the next tick */
const LOG_CUT_PROB = 0.15;

export interface DemoOptions {
  /** project folder: experiments/ and tb_logs/ are created inside it */
  dir: string;
  scenario: Scenario;
  /** 1 ⇒ 200 simulated steps per second, scaled linearly */
  speed: number;
  /** rounded up to a whole number of epochs (see defaultConfig) */
  steps: number;
  /** default: the scenario's default seed */
  seed?: number;
  /** $USER in the run-folder name (default 'demo') */
  user?: string;
  /** ms since epoch used for the run-folder timestamp (default now; bumped by 1 s while the folder exists) */
  startedAt?: number;
  /** event-file flush interval, real ms (default 1000, independent of speed) */
  flushEveryMs?: number;
  /** called after each tick with the number of steps done so far */
  onProgress?: (step: number) => void;
  /**
   * How often a write stops short (tests raise these): an event-file flush inside its last record
   * (default 0.5), a train.log write inside its last line (default 0.15).
   */
  cutProbability?: { events?: number; log?: number };
}

export interface DemoHandle {
  runDir: string;
  /** the version_0 folder holding the event file and hparams.yaml */
  tbDir: string;
  eventFile: string;
  runName: string;
  config: ScenarioConfig;
  /** resolves when the job ended (all steps written, the divergence crash, or stop()) and every byte is on disk */
  done: Promise<void>;
  /** stops the job: logs `Interrupted by user` (unless `interrupted: false`), flushes everything, resolves when done */
  stop(opts?: { interrupted?: boolean }): Promise<void>;
  /** every scalar whose record is completely on disk: tag → [step, Math.fround(value)] in file order */
  written(): Map<string, [number, number][]>;
  /** steps simulated so far */
  progress(): number;
  /** how the job ended, once it has */
  outcome(): 'running' | 'finished' | 'failed' | 'stopped';
}

interface PendingRecord {
  bytes: Buffer;
  scalar: [tag: string, step: number, value: number] | null;
}

function writeAll(fd: number, buf: Buffer): void {
  let off = 0;
  while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off);
}

export function startDemo(o: DemoOptions): DemoHandle {
  if (!(o.speed > 0) || !Number.isFinite(o.speed)) throw new RangeError(`speed must be a positive number (got ${o.speed})`);
  if (!(o.steps >= 1) || !Number.isFinite(o.steps)) throw new RangeError(`steps must be at least 1 (got ${o.steps})`);
  const base = defaultConfig(o.scenario, o.steps);
  const cfg: ScenarioConfig = o.seed === undefined ? base : { ...base, seed: o.seed };
  const scenario = o.scenario;
  const maxEpochs = cfg.steps / cfg.limitTrainBatches;
  const rate = STEPS_PER_SECOND * o.speed; // steps per real second
  const flushEveryMs = o.flushEveryMs ?? DEFAULT_FLUSH_MS;
  const eventCutProb = o.cutProbability?.events ?? EVENT_CUT_PROB;
  const logCutProb = o.cutProbability?.log ?? LOG_CUT_PROB;

  // ---- layout -------------------------------------------------------------------------------
  const dir = path.resolve(o.dir);
  const expRoot = path.join(dir, 'experiments');
  const tbRoot = path.join(dir, 'tb_logs');
  const spec: LamaRunSpec = {
    user: o.user ?? 'demo',
    startedAt: o.startedAt ?? Date.now(),
    configName: DEMO_CONFIG_NAME,
    title: '',
    genLr: cfg.genLr,
    discLr: cfg.discLr,
    batchSize: cfg.batchSize,
    maxEpochs,
    limitTrainBatches: cfg.limitTrainBatches,
    logEveryNSteps: cfg.logEveryNSteps,
    tbDir: tbRoot,
    outRootDir: expRoot,
  };
  while (fs.existsSync(path.join(expRoot, runFolderName(spec))) || fs.existsSync(path.join(tbRoot, runFolderName(spec)))) {
    spec.startedAt += 1000;
  }
  const runName = runFolderName(spec);
  const runDir = path.join(expRoot, runName);
  const tbDir = path.join(tbRoot, runName, 'version_0');
  fs.mkdirSync(path.join(runDir, '.hydra'), { recursive: true });
  fs.mkdirSync(tbDir, { recursive: true });

  // ---- start-up: what Hydra, bin/train.py and TensorBoardLogger write before the first step ----
  const overrides = [
    'location=demo',
    `data.batch_size=${cfg.batchSize}`,
    `optimizers.generator.lr=${cfg.genLr}`,
    `optimizers.discriminator.lr=${cfg.discLr}`,
    `trainer.kwargs.max_epochs=${maxEpochs}`,
    `trainer.kwargs.limit_train_batches=${cfg.limitTrainBatches}`,
    `trainer.kwargs.log_every_n_steps=${cfg.logEveryNSteps}`,
  ];
  const absOutdir = (yaml: string) => yaml.replace(/^( {2}outdir: )samples$/m, `$1${path.join(runDir, 'samples')}`);
  const hydraConfig = configYaml(spec);
  const trainConfig = absOutdir(hydraConfig); // bin/train.py makes visualizer.outdir absolute before saving
  fs.writeFileSync(path.join(runDir, '.hydra', 'config.yaml'), hydraConfig);
  fs.writeFileSync(path.join(runDir, '.hydra', 'hydra.yaml'), hydraYaml(spec, overrides));
  fs.writeFileSync(path.join(runDir, '.hydra', 'overrides.yaml'), overridesYaml(overrides));

  const start = Date.now();
  const logFd = fs.openSync(path.join(runDir, 'train.log'), 'a');
  const gpuFd = fs.openSync(path.join(runDir, 'gpu.csv'), 'a');
  writeAll(gpuFd, Buffer.from(QUERY_HEADER + '\n'));
  const trainRand = rng(cfg.seed);
  const valRand = rng(cfg.seed + 7919);
  const gpuRand = rng(cfg.seed + 15485863);
  const ioRand = rng(cfg.seed + 32452843);

  // start-up takes ~2 s of simulated time (compressed at higher speeds); training starts at t0
  const stretch = Math.min(1, 1 / o.speed);
  const t0 = start + Math.round(STARTUP_MS * stretch);
  writeAll(logFd, Buffer.from(startupRecords(start, spec, trainConfig, stretch)));
  fs.writeFileSync(path.join(runDir, 'config.yaml'), trainConfig);
  fs.writeFileSync(path.join(tbDir, 'hparams.yaml'), absOutdir(hparamsYaml(spec)));
  const eventFile = path.join(tbDir, eventFileName(start / 1000, DEMO_HOST, process.pid, 0));
  const eventFd = fs.openSync(eventFile, 'a'); // created now, bytes arrive at the first flush

  // ---- buffers ------------------------------------------------------------------------------
  const queue: PendingRecord[] = [];
  let headWritten = 0; // bytes of queue[0] already on disk
  const written = new Map<string, [number, number][]>();
  let logPending = '';
  let gpuPending = '';

  const pushRecord = (payload: Uint8Array, scalar: PendingRecord['scalar']) => {
    queue.push({ bytes: eventRecord(payload), scalar });
  };
  const scalar = (tag: string, step: number, value: number, wallSec: number) => {
    pushRecord(encodeScalarEvent({ tag, step, value, wallTime: wallSec }), [tag, step, Math.fround(value)]);
  };

  const flushEvents = (allowCut: boolean) => {
    if (!queue.length) return;
    let total = -headWritten;
    for (const r of queue) total += r.bytes.length;
    let n = total;
    if (allowCut && ioRand() < eventCutProb) {
      const last = queue[queue.length - 1];
      const lastLeft = queue.length === 1 ? last.bytes.length - headWritten : last.bytes.length;
      if (lastLeft >= 2) n = total - lastLeft + 1 + Math.floor(ioRand() * (lastLeft - 1));
    }
    const parts: Buffer[] = [];
    let left = n;
    while (left > 0) {
      const r = queue[0];
      const avail = r.bytes.length - headWritten;
      const take = Math.min(avail, left);
      parts.push(r.bytes.subarray(headWritten, headWritten + take));
      left -= take;
      if (take === avail) {
        queue.shift();
        headWritten = 0;
        if (r.scalar) {
          const [tag, step, value] = r.scalar;
          let list = written.get(tag);
          if (!list) written.set(tag, (list = []));
          list.push([step, value]);
        }
      } else headWritten += take;
    }
    writeAll(eventFd, Buffer.concat(parts));
  };

  let logRest: Buffer = Buffer.alloc(0); // bytes held back by the last write (the rest of a line)
  const flushLog = (allowCut: boolean) => {
    if (!logPending && !logRest.length) return;
    const held = logRest.length > 0; // the last write left a line unfinished: this one completes it
    const bytes = logPending ? Buffer.concat([logRest, Buffer.from(logPending, 'utf8')]) : logRest;
    logPending = '';
    let n = bytes.length;
    if (allowCut && !held && bytes[n - 1] === 0x0a && ioRand() < logCutProb) {
      const lineStart = bytes.lastIndexOf(0x0a, n - 2) + 1;
      const lineLen = n - lineStart; // with its '\n'
      if (lineLen >= 2) n = lineStart + 1 + Math.floor(ioRand() * (lineLen - 1));
    }
    writeAll(logFd, bytes.subarray(0, n));
    logRest = Buffer.from(bytes.subarray(n));
  };

  const flushGpu = () => {
    if (!gpuPending) return;
    writeAll(gpuFd, Buffer.from(gpuPending, 'utf8'));
    gpuPending = '';
  };

  // ---- the job --------------------------------------------------------------------------------
  pushRecord(encodeFileVersionEvent(start / 1000), null);
  scalar('hp_metric', 0, -1, start / 1000);

  // sanity check (num_sanity_val_steps): tables in train.log only, never in TensorBoard
  const sanityMs = start + Math.round(1700 * stretch);
  const sv = valValues(scenario, -1, cfg, valRand);
  const st = testValues(scenario, -1, cfg, valRand);
  logPending += evaluationRecords(sanityMs);
  logPending += logRecord(sanityMs + 9, 'saicinpainting.training.trainers.base', 'INFO', validationTable('Validation', 0, 0, sv.table));
  logPending += evaluationRecords(sanityMs + 10);
  logPending += logRecord(sanityMs + 16, 'saicinpainting.training.trainers.base', 'INFO', validationTable('Test', 0, 0, st.table));
  logPending += trainDataloaderRecord(sanityMs + 17, spec);
  flushLog(false);

  const msOfStep = (s: number) => t0 + (s * 1000) / rate;
  let next = 0; // first step not simulated yet
  let lastGpuMem = 0;
  let state: 'running' | 'finished' | 'failed' | 'stopped' = 'running';
  const crashAt = scenario === 'divergence' ? explodeStep(cfg) : Infinity;

  const gpuRow = (simSec: number, ms: number) => {
    const g = gpuValues(scenario, simSec, gpuRand);
    lastGpuMem = g.memUsedMb;
    gpuPending += nvidiaSmiRow(ms, 0, g.util, g.memUtil, g.memUsedMb, g.tempC, g.powerW);
  };
  gpuRow(0, start);

  /** Simulates one step; returns false when the job ends at this step (crash). */
  const simulate = (s: number): boolean => {
    const ms = msOfStep(s);
    const wall = ms / 1000;
    if (s > 0 && s % STEPS_PER_SIM_SECOND === 0) gpuRow(s / STEPS_PER_SIM_SECOND, ms);
    const epoch = Math.floor(s / cfg.limitTrainBatches);
    if ((s + 1) % cfg.logEveryNSteps === 0) {
      const v = trainValues(scenario, s, cfg, trainRand);
      for (const [tag, value] of Object.entries(v)) scalar(tag, s, value, wall);
      scalar('epoch', s, epoch, wall);
      scalar(GPU_MEMORY_TAG, s, lastGpuMem, wall);
    }
    if ((s + 1) % cfg.limitTrainBatches === 0) {
      if (s >= crashAt) {
        // the evaluator chokes on NaN images: LaMa logs the failure and exits
        logPending += evaluationRecords(ms + 20, 'fid');
        logPending += trainingFailedRecord(ms + 45, 'array must not contain infs or NaNs', nonFiniteFidTraceback());
        return false;
      }
      const vv = valValues(scenario, epoch, cfg, valRand);
      const tv = testValues(scenario, epoch, cfg, valRand);
      const evalWall = wall + 0.02;
      for (const [tag, value] of Object.entries(vv.scalars)) scalar(tag, s, value, evalWall);
      for (const [tag, value] of Object.entries(tv.scalars)) scalar(tag, s, value, evalWall);
      scalar('epoch', s, epoch, evalWall);
      scalar(GPU_MEMORY_TAG, s, lastGpuMem, evalWall);
      logPending += evaluationRecords(ms + 5);
      logPending += logRecord(ms + 14, 'saicinpainting.training.trainers.base', 'INFO', validationTable('Validation', epoch, s, vv.table));
      logPending += evaluationRecords(ms + 15);
      logPending += logRecord(ms + 21, 'saicinpainting.training.trainers.base', 'INFO', validationTable('Test', epoch, s, tv.table));
    }
    return true;
  };

  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));

  const finish = (how: 'finished' | 'failed' | 'stopped') => {
    if (state !== 'running') return;
    state = how;
    clearInterval(tickTimer);
    clearInterval(flushTimer);
    flushLog(false);
    flushGpu();
    flushEvents(false);
    fs.closeSync(eventFd);
    fs.closeSync(logFd);
    fs.closeSync(gpuFd);
    resolveDone();
  };

  const tick = () => {
    if (state !== 'running') return;
    const target = Math.min(cfg.steps, Math.max(0, Math.floor(((Date.now() - t0) * rate) / 1000)));
    let crashed = false;
    while (next < target) {
      const ok = simulate(next);
      next++;
      if (!ok) {
        crashed = true;
        break;
      }
    }
    flushLog(true);
    flushGpu();
    o.onProgress?.(next);
    if (crashed) finish('failed');
    else if (next >= cfg.steps) finish('finished');
  };

  const tickTimer = setInterval(tick, TICK_MS);
  const flushTimer = setInterval(() => flushEvents(true), flushEveryMs);

  return {
    runDir,
    tbDir,
    eventFile,
    runName,
    config: cfg,
    done,
    stop(opts?: { interrupted?: boolean }) {
      if (state === 'running') {
        if (opts?.interrupted ?? true) logPending += interruptedRecord(Date.now());
        finish('stopped');
      }
      return done;
    },
    written() {
      return new Map([...written].map(([tag, pts]) => [tag, pts.map((p) => [p[0], p[1]] as [number, number])]));
    },
    progress: () => next,
    outcome: () => state,
  };
}
