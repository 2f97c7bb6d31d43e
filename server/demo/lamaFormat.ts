// Text that a LaMa job writes, generated: Hydra records, validation tables, configs, nvidia-smi rows.
// Used by `lrscope demo`, the tests and the benchmarks, so they all write what the readers must read.
import { maxOf } from '../lib/reduce';

export interface LamaRunSpec {
  user: string;
  /** ms since epoch (local-time stamps are derived from it) */
  startedAt: number;
  configName: string;
  title: string;
  genLr: number;
  discLr: number;
  batchSize: number;
  maxEpochs: number;
  limitTrainBatches: number;
  logEveryNSteps: number;
  /** absolute path written into location.tb_dir */
  tbDir: string;
  outRootDir: string;
}

const p2 = (n: number) => String(n).padStart(2, '0');

export function runFolderName(s: LamaRunSpec): string {
  const d = new Date(s.startedAt);
  const ts = `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())}_${p2(d.getHours())}-${p2(d.getMinutes())}-${p2(d.getSeconds())}`;
  return `${s.user}_${ts}_train_${s.configName}_${s.title}`;
}

/** Hydra's `[%(asctime)s]` stamp: local time, comma before milliseconds. */
export function hydraTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())},${String(d.getMilliseconds()).padStart(3, '0')}`;
}

export function logRecord(ms: number, logger: string, level: string, message: string): string {
  return `[${hydraTime(ms)}][${logger}][${level}] - ${message}\n`;
}

/** The unresolved LaMa config (as `config.yaml` and `.hydra/config.yaml` hold it). */
export function configYaml(s: LamaRunSpec): string {
  return `run_title: '${s.title}'
training_model:
  kind: default
  visualize_each_iters: 1000
  concat_mask: true
  store_discr_outputs_for_vis: true
losses:
  l1:
    weight_missing: 0
    weight_known: 10
  perceptual:
    weight: 0
  adversarial:
    kind: r1
    weight: 10
    gp_coef: 0.001
    mask_as_fake_target: true
    allow_scale_mask: true
  feature_matching:
    weight: 100
  resnet_pl:
    weight: 30
    weights_path: \${env:TORCH_HOME}
optimizers:
  generator:
    kind: adam
    lr: ${s.genLr}
  discriminator:
    kind: adam
    lr: ${s.discLr}
location:
  data_root_dir: /home/${s.user}/inpainting-lama/places_standard_dataset/
  out_root_dir: ${s.outRootDir}
  tb_dir: ${s.tbDir}
  pretrained_models: /home/${s.user}/inpainting-lama/
data:
  batch_size: ${s.batchSize}
  val_batch_size: 2
  num_workers: 3
  train:
    indir: \${location.data_root_dir}/train
    out_size: 256
generator:
  kind: ffc_resnet
  input_nc: 4
  output_nc: 3
discriminator:
  kind: pix2pixhd_nlayer
  input_nc: 3
evaluator:
  kind: default
  inpainted_key: inpainted
  integral_kind: ssim_fid100_f1
trainer:
  kwargs:
    gpus: -1
    accelerator: ddp
    max_epochs: ${s.maxEpochs}
    gradient_clip_val: 1
    log_gpu_memory: None
    limit_train_batches: ${s.limitTrainBatches}
    val_check_interval: \${trainer.kwargs.limit_train_batches}
    log_every_n_steps: ${s.logEveryNSteps}
    precision: 32
    terminate_on_nan: false
    check_val_every_n_epoch: 1
    num_sanity_val_steps: 8
    replace_sampler_ddp: false
  checkpoint_kwargs:
    verbose: true
    save_top_k: 5
    save_last: true
    period: 1
    monitor: val_ssim_fid100_f1_total_mean
    mode: max
visualizer:
  kind: directory
  outdir: samples
`;
}

export function hydraYaml(s: LamaRunSpec, overrides: string[]): string {
  return `hydra:
  run:
    dir: \${location.out_root_dir}/\${env:USER}_\${now:%Y-%m-%d_%H-%M-%S}_\${hydra:job.name}_\${hydra:job.config_name}_\${run_title}
  overrides:
    hydra: []
    task:
${overrides.map((o) => `    - ${o}`).join('\n')}
  job:
    name: train
    override_dirname: ${overrides.join(',')}
    config_name: ${s.configName}
  runtime:
    version: 1.1.0
  verbose: false
`;
}

export function overridesYaml(overrides: string[]): string {
  return overrides.map((o) => `- ${o}\n`).join('');
}

/** Resolved config as TensorBoardLogger.save() writes it beside the event file. */
export function hparamsYaml(s: LamaRunSpec): string {
  return configYaml(s)
    .replace('${trainer.kwargs.limit_train_batches}', String(s.limitTrainBatches))
    .replace('${env:TORCH_HOME}', `/home/${s.user}/.cache/torch`)
    .replace('${location.data_root_dir}', `/home/${s.user}/inpainting-lama/places_standard_dataset/`);
}

export const BUCKETS = ['0-10%', '10-20%', '20-30%', '30-40%', '40-50%', '50-60%'];

export interface TableValues {
  /** per bucket then total: [fid, lpips mean, lpips std, ssim mean, ssim std] */
  rows: { label: string; fid: number; lpips: number; lpipsStd: number; ssim: number; ssimStd: number }[];
  f1: number;
}

function fmt(v: number): string {
  return Number.isNaN(v) ? 'NaN' : v.toFixed(6);
}

/**
 * A validation table as pandas prints it: sparse two-line header (score over its first sub-column,
 * right-aligned), rows right-aligned per column, `NaN` literal.
 */
export function validationTable(kind: 'Validation' | 'Test', epoch: number, iterations: number, v: TableValues): string {
  const cols = ['fid', 'lpips', 'lpips', 'ssim', 'ssim', 'ssim_fid100_f1'];
  const stats = ['mean', 'mean', 'std', 'mean', 'std', 'mean'];
  const body = v.rows.map((r, i) => [r.label, fmt(r.fid), fmt(r.lpips), fmt(r.lpipsStd), fmt(r.ssim), fmt(r.ssimStd), i === v.rows.length - 1 ? fmt(v.f1) : 'NaN']);
  const labelW = maxOf(body.map((r) => r[0].length));
  const widths = cols.map((c, i) => Math.max(c.length, stats[i].length, ...body.map((r) => r[i + 1].length)));
  const top = ' '.repeat(labelW) + cols.map((c, i) => '  ' + (i > 0 && cols[i - 1] === c ? ' '.repeat(widths[i]) : c.padStart(widths[i]))).join('');
  const second = ' '.repeat(labelW) + stats.map((s, i) => '  ' + s.padStart(widths[i])).join('');
  const lines = body.map((r) => r[0].padEnd(labelW) + r.slice(1).map((c, i) => '  ' + c.padStart(widths[i])).join(''));
  return `${kind} metrics after epoch #${epoch}, total ${iterations} iterations:\n${top.trimEnd()}\n${second}\n${lines.join('\n')}`;
}

export const QUERY_HEADER =
  'timestamp, index, name, utilization.gpu [%], utilization.memory [%], memory.used [MiB], memory.total [MiB], temperature.gpu, power.draw [W]';

export function nvidiaSmiRow(ms: number, gpu: number, util: number, memUtil: number, memUsed: number, temp: number, power: number): string {
  const d = new Date(ms);
  const ts = `${d.getFullYear()}/${p2(d.getMonth() + 1)}/${p2(d.getDate())} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
  return `${ts}, ${gpu}, NVIDIA A100-SXM4-80GB, ${Math.round(util)} %, ${Math.round(memUtil)} %, ${Math.round(memUsed)} MiB, 81920 MiB, ${Math.round(temp)}, ${power.toFixed(2)} W\n`;
}

// ---------------------------------------------------------------------------
// train.log life-cycle records (logger names and messages as LaMa's code logs them; docs §5)

const EVALUATOR = "<class 'saicinpainting.evaluation.evaluator.InpaintingEvaluatorOnline'>";

/**
 * Records from start-up to the first validation: signal handler, config dump, model/evaluator/dataloader
 * set-up, spread over ~1.6 s × `stretch` after `ms`.
 */
export function startupRecords(ms: number, s: LamaRunSpec, configDump: string, stretch = 1): string {
  const t = (dt: number) => ms + Math.round(dt * stretch);
  const data = `/home/${s.user}/inpainting-lama/places_standard_dataset/`;
  let out = logRecord(t(0), 'saicinpainting.utils', 'WARNING', 'Setting signal 10 handler <function print_traceback_handler at 0x7f3a1c2e5d30>');
  out += logRecord(t(3), '__main__', 'INFO', configDump.trimEnd());
  out += logRecord(t(420), 'root', 'INFO', 'Make training model default');
  out += logRecord(t(420), 'saicinpainting.training.trainers.base', 'INFO', 'BaseInpaintingTrainingModule init called');
  out += logRecord(t(421), 'root', 'INFO', 'Make generator ffc_resnet');
  out += logRecord(t(980), 'root', 'INFO', 'Make discriminator pix2pixhd_nlayer');
  out += logRecord(t(1010), 'root', 'INFO', 'Make visualizer directory');
  for (const dt of [1011, 1290]) {
    out += logRecord(t(dt), 'root', 'INFO', 'Make evaluator default');
    out += logRecord(t(dt), 'saicinpainting.evaluation.losses.base_loss', 'INFO', 'FIDscore init called');
    out += logRecord(t(dt + 240), 'saicinpainting.evaluation.losses.base_loss', 'INFO', 'FIDscore init done');
    out += logRecord(t(dt + 240), 'saicinpainting.evaluation.evaluator', 'INFO', `${EVALUATOR} init called`);
    out += logRecord(t(dt + 241), 'saicinpainting.evaluation.evaluator', 'INFO', `${EVALUATOR} init done`);
  }
  out += logRecord(t(1540), 'saicinpainting.training.trainers.base', 'INFO', 'BaseInpaintingTrainingModule init done');
  out += logRecord(t(1600), 'saicinpainting.training.data.datasets', 'INFO', `Make val dataloader default from ${data}/val`);
  out += logRecord(t(1601), 'saicinpainting.training.data.datasets', 'INFO', `Make val dataloader default from ${data}/visual_test`);
  return out;
}

/** The evaluator's `evaluation_end` chatter that precedes each printed table; `upTo` stops early (a crash). */
export function evaluationRecords(ms: number, upTo: 'all' | 'fid' = 'all'): string {
  const ev = 'saicinpainting.evaluation.evaluator';
  const fid = 'saicinpainting.evaluation.losses.base_loss';
  let out = logRecord(ms, ev, 'INFO', `${EVALUATOR}: evaluation_end called`);
  out += logRecord(ms, ev, 'INFO', 'Getting value of ssim');
  out += logRecord(ms + 1, ev, 'INFO', 'Getting value of ssim done');
  out += logRecord(ms + 1, ev, 'INFO', 'Getting value of lpips');
  out += logRecord(ms + 1, ev, 'INFO', 'Getting value of lpips done');
  out += logRecord(ms + 1, ev, 'INFO', 'Getting value of fid');
  out += logRecord(ms + 1, fid, 'INFO', 'FIDscore get_value called');
  if (upTo === 'fid') return out;
  out += logRecord(ms + 4, fid, 'INFO', 'FIDscore get_value done');
  out += logRecord(ms + 4, ev, 'INFO', 'Getting value of fid done');
  out += logRecord(ms + 4, ev, 'INFO', `${EVALUATOR}: reset scores`);
  out += logRecord(ms + 5, ev, 'INFO', `${EVALUATOR}: reset scores done`);
  out += logRecord(ms + 5, ev, 'INFO', `${EVALUATOR}: evaluation_end done`);
  return out;
}

export function trainDataloaderRecord(ms: number, s: LamaRunSpec): string {
  return logRecord(ms, 'saicinpainting.training.data.datasets', 'INFO', `Make train dataloader default from /home/${s.user}/inpainting-lama/places_standard_dataset//train. Using mask generator=mixed`);
}

/** `LOGGER.critical(f'Training failed due to {ex}:\n{traceback.format_exc()}')` as bin/train.py logs it. */
export function trainingFailedRecord(ms: number, message: string, traceback: string): string {
  return logRecord(ms, '__main__', 'CRITICAL', `Training failed due to ${message}:\n${traceback.trimEnd()}`);
}

/** A (synthetic, representative) traceback of the FID computation failing on non-finite activations. */
export function nonFiniteFidTraceback(): string {
  const site = '/opt/conda/lib/python3.6/site-packages';
  return [
    'Traceback (most recent call last):',
    '  File "bin/train.py", line 63, in main',
    '    trainer.fit(training_model)',
    `  File "${site}/pytorch_lightning/trainer/trainer.py", line 499, in fit`,
    '    self.dispatch()',
    `  File "${site}/pytorch_lightning/trainer/trainer.py", line 546, in dispatch`,
    '    self.accelerator.start_training(self)',
    `  File "${site}/pytorch_lightning/trainer/training_loop.py", line 607, in run_training_epoch`,
    '    self.trainer.run_evaluation()',
    `  File "${site}/pytorch_lightning/trainer/trainer.py", line 700, in run_evaluation`,
    '    self.evaluation_loop.evaluation_epoch_end(outputs)',
    '  File "/home/user/inpainting-lama/saicinpainting/training/trainers/base.py", line 190, in validation_epoch_end',
    '    val_evaluator_res = self.val_evaluator.evaluation_end(states=val_evaluator_states)',
    '  File "/home/user/inpainting-lama/saicinpainting/evaluation/losses/fid/fid_score.py", line 165, in calculate_frechet_distance',
    '    covmean, _ = linalg.sqrtm(sigma1.dot(sigma2), disp=False)',
    `  File "${site}/scipy/linalg/_matfuncs_sqrtm.py", line 161, in sqrtm`,
    '    A = _asarray_validated(A, check_finite=True, as_inexact=True)',
    `  File "${site}/numpy/lib/function_base.py", line 486, in asarray_chkfinite`,
    '    "array must not contain infs or NaNs")',
    'ValueError: array must not contain infs or NaNs',
  ].join('\n');
}

/** Ctrl-C: `LOGGER.warning('Interrupted by user')`. */
export function interruptedRecord(ms: number): string {
  return logRecord(ms, '__main__', 'WARNING', 'Interrupted by user');
}
