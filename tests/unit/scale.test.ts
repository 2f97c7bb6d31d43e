// Nothing that grows with the data may overflow the stack or go quadratic: 1M-point series through every
// detector (with a 1M-point cyclic LR tag, the case that once took 46 s), the GPU reader, the downsampler
// and the UI helpers. Correctness only (no timing assertions: timings are in the benchmarks).
import { describe, expect, it } from 'vitest';
import { diagnoseRun } from '../../server/analysis/diagnose';
import { minMaxDownsample } from '../../server/analysis/downsample';
import { debiasedEma, percentileRange } from '../../server/analysis/smoothing';
import { newGpuLogState, parseGpuLog } from '../../server/ingest/gpuLog';
import { maxOf, minOf } from '../../server/lib/reduce';
import { groupTags } from '../../app/_components/tagGroups';
import type { RunData } from '../../server/analysis/types';
import { CONTEXT } from '../helpers/runData';

const N = 1_000_000;
const steps = Array.from({ length: N }, (_, i) => i);

function bigRun(): RunData {
  const curve = (f: (i: number) => number) => steps.map(f);
  return {
    context: { ...CONTEXT, lastStep: N - 1, limitTrainBatches: 25000 },
    series: [
      { tag: 'train_gen_l1', steps, values: curve((i) => 0.05 + 0.05 / (1 + i / 1e5) + 0.01 * Math.sin(i * 7.1)) },
      { tag: 'train_gen_adv', steps, values: curve((i) => 0.85 + 0.05 * Math.sin(i * 3.3)) },
      { tag: 'train_discr_adv', steps, values: curve((i) => 0.52 + 0.03 * Math.sin(i * 5.7)) },
      { tag: 'val_gen_l1', steps, values: curve((i) => 0.13 + 0.05 / (1 + i / 1e5)) },
    ],
    // a cyclic LR with a period of 20 steps: every step a turning point
    lr: [{ tag: 'lr-Adam', steps, values: curve((i) => 1e-3 * (1 + 0.5 * Math.sin((2 * Math.PI * i) / 20))) }],
    gpu: Array.from({ length: N }, (_, i) => ({ time: 1.7e12 + i * 1000, util: 90 + (i % 10) })),
    epoch: { tag: 'epoch', steps, values: curve((i) => Math.floor(i / 25000)) },
  };
}

describe('1M points through every path', () => {
  it('reductions are loops', () => {
    const y = Float64Array.from(steps, (i) => Math.sin(i));
    expect(maxOf(y)).toBeCloseTo(1, 3);
    expect(minOf(y)).toBeCloseTo(-1, 3);
  });

  it('diagnoseRun: every detector on 1M-point series and a 1M-point cyclic LR', () => {
    const found = diagnoseRun(bigRun());
    expect(Array.isArray(found)).toBe(true);
    for (const f of found) expect(Number.isFinite(f.startStep)).toBe(true);
  });

  it('the GPU reader: 1M nvidia-smi lines in chunks', () => {
    const header = 'timestamp, index, name, utilization.gpu [%], memory.used [MiB], memory.total [MiB]\n';
    const line = (i: number) => `2026/12/01 12:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.000, 0, NVIDIA A100, ${i % 100} %, 1000 MiB, 40000 MiB\n`;
    let state = newGpuLogState();
    let offset = 0;
    let samples = 0;
    const enc = new TextEncoder();
    let pending = header;
    for (let i = 0; i < N; i++) {
      pending += line(i);
      if (pending.length > 4_000_000 || i === N - 1) {
        const bytes = enc.encode(pending);
        const r = parseGpuLog(bytes, state, { baseOffset: offset, final: i === N - 1 });
        samples += r.samples.length;
        state = r.state;
        offset += r.consumed;
        pending = pending.slice(r.consumed);
      }
    }
    expect(samples).toBe(N);
  });

  it('the downsampler and the chart helpers', () => {
    const y = steps.map((i) => Math.sin(i / 1000) + (i === 500_000 ? 50 : 0));
    const d = minMaxDownsample(steps, y, 2000);
    expect(d.x.length).toBeLessThanOrEqual(2000);
    expect(maxOf(d.y)).toBe(maxOf(y)); // the spike survives
    expect(debiasedEma(y, 0.9)).toHaveLength(N);
    expect(percentileRange(y)!.max).toBeLessThan(2);
    const tags = Array.from({ length: 100_000 }, (_, i) => `val_metric_${i}`);
    expect(groupTags(tags).reduce((a, g) => a + g.tags.length, 0)).toBe(100_000);
  });
});
