// A lab's worth of runs written straight into a database through the Store (the one writer), for the
// runs-table tests and `npm run bench:runs`: LaMa, Lightning and bare TensorBoard runs with varied names,
// configs, LRs, statuses, start times (some missing), training and validation series (the checkpoint
// metric with a NaN or an Infinity here and there), GPU samples and findings. Deterministic per seed.
// (No files on disk: scripts/gen-lab.ts writes real event files when the file path is what is measured.)
import type { DbHandle } from '../../server/db/open';
import { Store } from '../../server/db/store';
import { saveFindings } from '../../server/db/findings';
import { RUN_STATUSES } from '../../server/db/schema';
import { FINDING_KINDS, type Finding, type Severity } from '../../server/analysis/types';
import type { GpuSample, ScalarRecord } from '../../server/ingest/types';
import { rng } from '../../server/lib/rng';

export interface SyntheticRunsOptions {
  runs: number;
  seed?: number;
  /** training points per run (validation and other tags come on top) */
  points?: number;
  /** more tags per run, a point every 5 training points each (a LaMa run logs 80–110 tags); default 0 */
  extraTags?: number;
  /** GPU samples per run that has a GPU log (60% of runs); default 20 */
  gpuSamples?: number;
}


const USERS = ['alice', 'bob', 'k.ivanova', 't.nguyen', 'j_doe', 'lab', 'Zoe'];
const CONFIGS = ['lama-fourier', 'big-lama', 'lama-regular', 'lama_fourier_small', '50%_masks', null];
const SEVERITIES: Severity[] = ['info', 'warning', 'critical'];
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
const identity = { size: 1, inode: 1, mtimeMs: 1, head: '', tail: '' };

/** Writes `runs` runs; returns their ids in creation order. */
export function writeSyntheticRuns(h: DbHandle, opts: SyntheticRunsOptions): number[] {
  const rand = rng(opts.seed ?? 1);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const nTrain = opts.points ?? 60;
  const extra = Array.from({ length: opts.extraTags ?? 0 }, (_, k) => (k % 2 ? `val_metric_${k}_total_mean` : `train_gen_part_${k}`));
  const store = new Store(h);
  const ids: number[] = [];
  h.sqlite.transaction(() => {
    for (let i = 0; i < opts.runs; i++) {
      const u = rand();
      const kind = u < 0.7 ? 'lama' : u < 0.9 ? 'lightning' : 'tensorboard';
      const startedAt = rand() < 0.04 ? null : T0 + Math.floor(rand() * 300 * DAY);
      const stamp = new Date(startedAt ?? T0).toISOString().slice(0, 19).replace('T', '_').replace(/:/g, '-');
      const config = pick(CONFIGS);
      const name =
        kind === 'lama' ? `${pick(USERS)}_${stamp}_train_${config ?? 'lama'}_${i}` : kind === 'lightning' ? `version_${i}` : `tb_${pick(USERS)}_${i}`;
      const path =
        kind === 'lama' ? `/lab/experiments/${name}` : kind === 'lightning' ? `/lab/lightning_logs/exp${i % 7}/${name}` : `/lab/tb/${name}`;
      const runId = store.upsertRun({ key: `path:${path}`, name, path, kind, startedAt });
      ids.push(runId);
      const limit = kind === 'lama' && rand() < 0.8 ? pick([100, 200, 1000, 2500]) : null;
      store.updateRun(runId, {
        config_name: kind === 'tensorboard' ? null : config,
        gen_lr: rand() < 0.1 ? null : pick([1e-3, 5e-4, 2e-4, 1e-4, 3e-3]),
        disc_lr: kind === 'lama' ? pick([1e-4, 1e-5, 4e-4]) : null,
        batch_size: rand() < 0.1 ? null : pick([4, 8, 10, 16, 32]),
        limit_train_batches: limit,
      });
      // series: a training loss every `stride` steps, validation every 10th of those, the epoch counter
      const stride = 1 + Math.floor(rand() * 50);
      const n = Math.max(1, Math.floor(nTrain * (0.3 + rand())));
      const wall0 = (startedAt ?? T0) / 1000;
      const scalars: ScalarRecord[] = [];
      const keyTag = kind === 'lama' ? 'val_ssim_fid100_f1_total_mean' : kind === 'lightning' ? 'val_loss' : null;
      for (let k = 0; k < n; k++) {
        const step = k * stride;
        const wallTime = wall0 + step * 0.5;
        scalars.push({ tag: kind === 'lama' ? 'train_gen_l1' : 'train_loss', step, wallTime, value: 1 / (1 + k) + rand() * 0.1 });
        if (kind === 'lightning') scalars.push({ tag: 'epoch', step, wallTime, value: Math.floor(k / 10) });
        if (k % 5 === 0) for (const tag of extra) scalars.push({ tag, step, wallTime, value: rand() });
        if (keyTag && k % 10 === 9) {
          const r = rand();
          const value = r < 0.03 ? NaN : r < 0.05 ? (keyTag === 'val_loss' ? -Infinity : Infinity) : Math.round(rand() * 1000) / 1000;
          scalars.push({ tag: keyTag, step, wallTime, value });
        }
      }
      const ev = store.ensureFile(runId, `${path}/events.out.tfevents`, 'tfevents', '');
      const live = startedAt !== null || rand() < 0.5;
      store.commitChunk({
        file: ev,
        offset: 1,
        identity,
        state: null,
        scalars,
        firstTime: live ? wall0 * 1000 : null,
        lastTime: live ? (wall0 + (n - 1) * stride * 0.5) * 1000 + Math.floor(rand() * 5 * DAY) : null,
        status: { status: pick(RUN_STATUSES), message: null },
      });
      if (rand() < 0.6) {
        const gpu = store.ensureFile(runId, `${path}/gpu.log`, 'gpu_log', '');
        const samples: GpuSample[] = Array.from({ length: opts.gpuSamples ?? 20 }, (_, k) => ({
          gpu: k % 2,
          time: (startedAt ?? T0) + k * 1000,
          util: rand() < 0.1 ? null : Math.round(rand() * 100),
          memUtil: null,
          memUsedMb: null,
          memTotalMb: null,
          powerW: null,
          tempC: null,
        }));
        store.commitChunk({ file: gpu, offset: 1, identity, state: null, gpu: { source: 'nvidia-smi', samples } });
      }
      if (rand() < 0.4) {
        const found: Finding[] = Array.from({ length: 1 + Math.floor(rand() * 4) }, (_, k) => ({
          kind: pick(FINDING_KINDS),
          severity: pick(SEVERITIES),
          metrics: [kind === 'lama' ? 'train_gen_l1' : 'train_loss'],
          startStep: k * 10,
          endStep: k * 10 + 5,
          summary: 'synthetic finding',
          evidence: {},
          suggestions: [],
        }));
        saveFindings(h.sqlite, runId, found);
      }
    }
  })();
  return ids;
}
