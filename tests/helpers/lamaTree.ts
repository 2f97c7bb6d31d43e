// Builds a LaMa-shaped project on disk: experiments/<run>/… and tb_logs/<run>/version_0/….
import fs from 'node:fs';
import path from 'node:path';
import { configYaml, logRecord, runFolderName, validationTable, nvidiaSmiRow, QUERY_HEADER, type LamaRunSpec } from '../../server/demo/lamaFormat';
import { encodeFileVersionEvent, encodeScalarEvent, eventRecord, eventFileName } from '../../server/ingest/tfeventsWriter';
import { writeRunConfigs } from '../../server/demo/runConfigs';

export interface BuiltRun {
  name: string;
  runDir: string;
  tbDir: string;
  eventFile: string;
  spec: LamaRunSpec;
  /** every scalar written: tag → [step, float32 value][] */
  written: Map<string, [number, number][]>;
}

export function lamaSpec(over: Partial<LamaRunSpec> = {}): LamaRunSpec {
  return {
    user: 'j_doe',
    startedAt: new Date(2026, 10, 20, 9, 30, 0).getTime(),
    configName: 'lama_fourier_small',
    title: '',
    genLr: 0.001,
    discLr: 0.0001,
    batchSize: 10,
    maxEpochs: 3,
    limitTrainBatches: 100,
    logEveryNSteps: 10,
    tbDir: '/nonexistent/cluster/tb_logs',
    outRootDir: '/nonexistent/cluster/experiments',
    ...over,
  };
}

/** Writes a whole finished run. Training tags every log_every_n_steps, validation at each epoch end. */
export function buildLamaRun(project: string, spec: LamaRunSpec, opts: { epochs?: number } = {}): BuiltRun {
  const name = runFolderName(spec);
  const runDir = path.join(project, 'experiments', name);
  const tbDir = path.join(project, 'tb_logs', name, 'version_0');
  const overrides = ['location=my_dataset', `data.batch_size=${spec.batchSize}`];
  writeRunConfigs(runDir, tbDir, spec, overrides);

  const epochs = opts.epochs ?? spec.maxEpochs;
  const t0 = spec.startedAt / 1000;
  const written = new Map<string, [number, number][]>();
  const records: Buffer[] = [eventRecord(encodeFileVersionEvent(t0))];
  const add = (tag: string, step: number, value: number, wall: number) => {
    records.push(eventRecord(encodeScalarEvent({ tag, step, value, wallTime: wall })));
    const list = written.get(tag) ?? [];
    list.push([step, Math.fround(value)]);
    written.set(tag, list);
  };
  let log = logRecord(spec.startedAt, '__main__', 'INFO', configYaml(spec).trimEnd());
  let gpu = QUERY_HEADER + '\n';
  for (let step = 0; step < epochs * spec.limitTrainBatches; step++) {
    const wall = t0 + 1 + step * 0.5;
    if ((step + 1) % spec.logEveryNSteps === 0) {
      const k = step / (epochs * spec.limitTrainBatches);
      add('train_gen_l1', step, 0.2 * Math.exp(-2 * k) + 0.01 * Math.sin(step), wall);
      add('train_gen_adv', step, 5 - k, wall);
      add('train_discr_adv', step, 1.38 - 0.3 * k, wall);
      add('epoch', step, Math.floor(step / spec.limitTrainBatches), wall);
      gpu += nvidiaSmiRow(wall * 1000, 0, 90 + (step % 7), 40, 30000, 65, 300);
    }
    if ((step + 1) % spec.limitTrainBatches === 0) {
      const epoch = Math.floor(step / spec.limitTrainBatches);
      const ssim = 0.8 + 0.03 * epoch;
      add('val_ssim_total_mean', step, ssim, wall);
      add('val_ssim_fid100_f1_total_mean', step, ssim - 0.01, wall);
      const rows = ['0-10%', '10-20%', 'total'].map((label, i) => ({
        label, fid: 10 + i * 5, lpips: 0.1 + i * 0.01, lpipsStd: 0.02, ssim: ssim - i * 0.01, ssimStd: 0.03,
      }));
      log += logRecord(wall * 1000, 'saicinpainting.training.trainers.base', 'INFO', validationTable('Validation', epoch, step, { rows, f1: ssim - 0.01 }));
    }
  }
  fs.writeFileSync(path.join(runDir, 'train.log'), log);
  fs.writeFileSync(path.join(runDir, 'gpu_util.txt'), gpu);
  const eventFile = path.join(tbDir, eventFileName(t0, 'gpu-node-01', 4242, 0));
  fs.writeFileSync(eventFile, Buffer.concat(records));
  return { name, runDir, tbDir, eventFile, spec, written };
}
