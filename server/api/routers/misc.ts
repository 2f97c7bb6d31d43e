// Small read-only areas: GPU samples, validation tables, ingest errors.
import { z } from 'zod';
import { router, publicProcedure, budgetOf } from '../trpc';
import { yieldToEventLoop } from '../budget';
import * as v from '../inputs';
import { minMaxDownsample } from '../../analysis/downsample';
import { listFindings } from '../../db/findings';
import { listErrors } from '../../db/errors';

type Metric = 'util' | 'memUtil' | 'memUsedMb' | 'powerW' | 'tempC';
const METRICS: { key: Metric; col: string }[] = [
  { key: 'util', col: 'util' },
  { key: 'memUtil', col: 'mem_util' },
  { key: 'memUsedMb', col: 'mem_used_mb' },
  { key: 'powerW', col: 'power_w' },
  { key: 'tempC', col: 'temp_c' },
];

export const gpuRouter = router({
  series: publicProcedure
    .input(z.object({ runIds: z.array(v.runId).min(1).max(20), maxPoints: v.maxPoints.default(2000) }))
    .query(async ({ ctx, input }) => {
      const out: { runId: number; gpu: number; metric: Metric; x: number[]; y: number[] }[] = [];
      for (const runId of new Set(input.runIds)) {
        const gpus = ctx.db.sqlite.prepare('SELECT DISTINCT gpu FROM gpu_samples WHERE run_id = ? ORDER BY gpu').all(runId) as { gpu: number }[];
        // priced before reading, like metrics.series: one series per metric and GPU
        budgetOf(ctx).spend(gpus.length * METRICS.length * input.maxPoints, 'gpu.series');
        for (const { gpu } of gpus) {
          if (out.length) await yieldToEventLoop();
          const rows = ctx.db.sqlite
            .prepare(`SELECT time, ${METRICS.map((m) => m.col).join(', ')} FROM gpu_samples WHERE run_id = ? AND gpu = ? ORDER BY time, id`)
            .all(runId, gpu) as Record<string, number | null>[];
          for (const m of METRICS) {
            const x: number[] = [];
            const y: number[] = [];
            rows.forEach((r, i) => {
              const v = r[m.col];
              if (v === null || v === undefined) return;
              x.push(r.time ?? i); // samples without a clock keep their order
              y.push(v);
            });
            if (y.length) out.push({ runId, gpu, metric: m.key, ...minMaxDownsample(x, y, input.maxPoints) });
          }
        }
      }
      return { series: out };
    }),
});

export const logsRouter = router({
  validationTables: publicProcedure.input(z.object({ runId: v.runId })).query(({ ctx, input }) => {
    const rows = ctx.db.sqlite
      .prepare('SELECT kind, name, epoch, iterations, sanity, time, line, columns, rows, all_nan AS allNaN FROM validation_tables WHERE run_id = ? ORDER BY iterations, kind, name')
      .all(input.runId) as { kind: 'val' | 'test' | 'extra_val'; name: string; epoch: number; iterations: number; sanity: number; time: number | null; line: number | null; columns: string; rows: string; allNaN: number }[];
    return rows.map((r) => ({
      ...r,
      sanity: r.sanity === 1,
      allNaN: r.allNaN === 1,
      columns: JSON.parse(r.columns) as { score: string; stat: string }[],
      rows: JSON.parse(r.rows) as { label: string; values: (number | null)[] }[],
    }));
  }),
});

export const ingestRouter = router({
  errors: publicProcedure
    .input(z.object({ runId: v.runId.optional() }).default({}))
    .query(({ ctx, input }) => listErrors(ctx.db.sqlite, input.runId)),
});

export const findingsRouter = router({
  list: publicProcedure.input(z.object({ runId: v.runId })).query(({ ctx, input }) => listFindings(ctx.db.sqlite, input.runId)),
});
