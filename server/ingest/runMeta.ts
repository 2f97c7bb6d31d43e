// Derives a run's columns (config name, LRs, batch size, schedule…) from the config files read so far.
import type { Store } from '../db/store';
import { extractHyperparams, hydraJobInfo, type ConfigValue } from './hydraConfig';

function valueOf(state: string | null): ConfigValue {
  if (!state) return null;
  try {
    const s = JSON.parse(state) as { value?: ConfigValue } | null;
    return s?.value ?? null;
  } catch {
    return null;
  }
}

export function refreshRunMeta(store: Store, runId: number): void {
  const files = store.filesOfRun(runId);
  const byKind = (k: string) => files.filter((f) => f.kind === k).map((f) => valueOf(f.state)).find((v) => v !== null) ?? null;
  const config = byKind('config') ?? byKind('hydra_config');
  const hparams = byKind('hparams');
  const hydra = byKind('hydra_hydra');
  const overridesFile = byKind('hydra_overrides');
  const job = hydra ? hydraJobInfo(hydra) : { configName: null, overrides: null };
  const overrides = Array.isArray(overridesFile) ? overridesFile.map(String) : job.overrides;
  const hp = extractHyperparams([hparams, config]);
  store.updateRun(runId, {
    config_name: job.configName,
    run_title: hp.runTitle,
    config: config === null ? null : JSON.stringify(config),
    hparams: hparams === null ? null : JSON.stringify(hparams),
    overrides: overrides ? JSON.stringify(overrides) : null,
    gen_optimizer: hp.genOptimizer,
    gen_lr: hp.genLr,
    disc_optimizer: hp.discOptimizer,
    disc_lr: hp.discLr,
    batch_size: hp.batchSize,
    max_epochs: hp.maxEpochs,
    limit_train_batches: hp.limitTrainBatches,
    val_check_interval: hp.valCheckInterval,
    log_every_n_steps: hp.logEveryNSteps,
    gradient_clip_val: hp.gradientClipVal,
    scheduler: hp.scheduler ? JSON.stringify(hp.scheduler) : null,
  });
}
