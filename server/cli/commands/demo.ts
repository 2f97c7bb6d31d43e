import fs from 'node:fs';
import path from 'node:path';
import { parseArgs, UsageError } from '../args';
import type { CliIO } from '../context';
import { SCENARIOS, DEFAULT_STEPS, isScenario, type Scenario } from '../../demo/scenarios';
import { startDemo, STEPS_PER_SECOND, type DemoHandle } from '../../demo/demoWriter';
import { maxOf } from '../../lib/reduce';

export const help = `Usage: lrscope demo [dir] [--scenario NAME] [--speed X] [--steps N] [--seed N]

Simulates a LaMa training job without a GPU: writes, live, what a real one writes —
experiments/<user>_<time>_train_lama-fourier_/ (.hydra/, config.yaml, train.log with validation
tables, gpu.csv from an nvidia-smi loop) and tb_logs/<same name>/version_0/ (hparams.yaml and a
TensorBoard event file flushed in bursts, sometimes ending mid-record, as a real writer leaves it).

  dir              project folder to write into (default ./runs/demo)
  --scenario NAME  ${SCENARIOS.join(', ')},
                   or all (one run per scenario side by side; default healthy)
  --speed X        1 = ${STEPS_PER_SECOND} simulated steps per second (default 1), scaled linearly
  --steps N        training steps (default ${DEFAULT_STEPS}; rounded up to whole epochs)
  --seed N         random seed (default: one per scenario)
  -h, --help       show this help

Runs until every step is written (a divergence run stops at its crash); Ctrl-C stops cleanly
(the run logs 'Interrupted by user' and every buffered byte is flushed). Read the runs with
'lrscope ingest <dir>'.`;

function positive(flag: string, v: unknown, integer: boolean): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !v.trim() || !Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new UsageError(`--${flag} must be a positive ${integer ? 'integer' : 'number'} (got '${String(v)}')`);
  }
  return n;
}

export async function run(argv: string[], io: CliIO): Promise<number> {
  const { flags, positionals } = parseArgs(argv, {
    scenario: { type: 'string' },
    speed: { type: 'string' },
    steps: { type: 'string' },
    seed: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (flags.help) {
    io.out(help + '\n');
    return 0;
  }
  if (positionals.length > 1) throw new UsageError(`demo takes one folder (got ${positionals.length})`);
  const dir = path.resolve(positionals[0] ?? path.join('runs', 'demo'));
  // the folder, or the nearest one above it that exists, must be a folder (not ENOTDIR halfway through)
  for (let d = dir; d !== path.dirname(d); d = path.dirname(d)) {
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') continue;
      throw e;
    }
    if (!st.isDirectory()) throw new UsageError(`${d === dir ? positionals[0] : d} is a file: demo writes into a folder (pass a folder path)`);
    break;
  }
  const name = (flags.scenario as string | undefined) ?? 'healthy';
  if (name !== 'all' && !isScenario(name)) {
    throw new UsageError(`unknown scenario '${name}' (valid: ${SCENARIOS.join(', ')}, all)`);
  }
  const scenarios: Scenario[] = name === 'all' ? [...SCENARIOS] : [name as Scenario];
  const speed = positive('speed', flags.speed, false) ?? 1;
  const steps = positive('steps', flags.steps, true) ?? DEFAULT_STEPS;
  const seedFlag = flags.seed;
  let seed: number | undefined;
  if (seedFlag !== undefined) {
    seed = Number(seedFlag);
    if (!/^\d+$/.test(String(seedFlag)) || !Number.isSafeInteger(seed)) throw new UsageError(`--seed must be a non-negative integer (got '${String(seedFlag)}')`);
  }

  const now = Date.now();
  const runs: { scenario: Scenario; handle: DemoHandle }[] = scenarios.map((scenario) => ({
    scenario,
    handle: startDemo({
      dir,
      scenario,
      speed,
      steps,
      seed,
      user: scenarios.length > 1 ? `demo_${scenario}` : 'demo',
      startedAt: now,
    }),
  }));
  const cfg = runs[0].handle.config;
  const seconds = cfg.steps / (STEPS_PER_SECOND * speed);
  io.out(
    `lrscope demo: ${runs.length} simulated LaMa run${runs.length === 1 ? '' : 's'} in ${dir}\n` +
      `  ${cfg.steps} steps = ${cfg.steps / cfg.limitTrainBatches} epochs × ${cfg.limitTrainBatches}, logged every ${cfg.logEveryNSteps}, ` +
      `speed ${speed} (${STEPS_PER_SECOND * speed} steps/s, about ${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s)\n`,
  );
  const width = maxOf(runs.map((r) => r.scenario.length));
  for (const r of runs) {
    io.out(`  ${r.scenario.padEnd(width)}  ${r.handle.runDir}\n  ${' '.repeat(width)}  ${r.handle.tbDir}\n`);
  }
  io.out(`Read them with: lrscope ingest ${dir}\n`);

  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
    io.err('\nlrscope demo: interrupted, flushing…\n');
    for (const r of runs) void r.handle.stop();
  };
  process.once('SIGINT', onSigint);
  const report = () => {
    const parts = runs.map((r) => {
      const p = r.handle.progress();
      return `${r.scenario} ${p}/${r.handle.config.steps}${r.handle.outcome() === 'running' ? '' : ` (${r.handle.outcome()})`}`;
    });
    io.out(`  step ${parts.join(', ')}\n`);
  };
  const timer = setInterval(report, 5000);
  try {
    await Promise.all(runs.map((r) => r.handle.done));
  } finally {
    clearInterval(timer);
    process.off('SIGINT', onSigint);
  }
  for (const r of runs) {
    const last = r.handle.progress();
    io.out(`  ${r.scenario.padEnd(width)}  ${r.handle.outcome()} at step ${last}/${r.handle.config.steps}\n`);
  }
  io.out(interrupted ? 'Stopped; every buffered byte was written.\n' : 'Done.\n');
  return interrupted ? 130 : 0;
}
