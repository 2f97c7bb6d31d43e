import { z } from 'zod';
import { TRPCError } from '@trpc/server';
import { router, publicProcedure } from '../trpc';
import { getRun, listRunSummaries, compareSummary, type RunSummary } from '../../db/runs';
import { RUN_STATUSES } from '../../db/schema';
import { flattenConfig, configDiff } from '../../db/configDiff';
import { listSamples } from '../../db/samples';

const SORTABLE = ['name', 'status', 'configName', 'startedAt', 'updatedAt', 'lastStep', 'genLr', 'discLr', 'batchSize', 'points', 'meanGpuUtil', 'keyMetric', 'epoch'] as const;

function sortValue(r: RunSummary, by: (typeof SORTABLE)[number]): string | number | null {
  if (by === 'keyMetric') return r.keyMetric?.value ?? null;
  return r[by];
}

export const runsRouter = router({
  list: publicProcedure
    .input(
      z
        .object({
          q: z.string().max(200).optional(),
          status: z.array(z.enum(RUN_STATUSES)).max(RUN_STATUSES.length).optional(),
          sort: z.object({ by: z.enum(SORTABLE), dir: z.enum(['asc', 'desc']) }).optional(),
          limit: z.number().int().min(1).max(1000).default(200),
          offset: z.number().int().min(0).default(0),
        })
        .default({ limit: 200, offset: 0 }),
    )
    .query(({ ctx, input }) => {
      let runs = listRunSummaries(ctx.db.sqlite);
      if (input.q) {
        const q = input.q.toLowerCase();
        runs = runs.filter((r) => [r.name, r.configName ?? '', r.path].some((f) => f.toLowerCase().includes(q)));
      }
      if (input.status?.length) {
        const want = new Set(input.status);
        runs = runs.filter((r) => want.has(r.status));
      }
      const sort = input.sort ?? { by: 'startedAt', dir: 'desc' };
      const dir = sort.dir === 'asc' ? 1 : -1;
      runs.sort((a, b) => {
        const va = sortValue(a, sort.by);
        const vb = sortValue(b, sort.by);
        if (va === vb) return a.id - b.id;
        if (va === null) return 1; // missing values last either way
        if (vb === null) return -1;
        return (va < vb ? -1 : 1) * dir;
      });
      return { total: runs.length, runs: runs.slice(input.offset, input.offset + input.limit) };
    }),

  get: publicProcedure.input(z.object({ id: z.number().int() })).query(({ ctx, input }) => {
    const r = getRun(ctx.db.sqlite, input.id);
    if (!r) throw new TRPCError({ code: 'NOT_FOUND', message: `no run ${input.id}` });
    const [summary] = listRunSummaries(ctx.db.sqlite, input.id);
    const files = ctx.db.sqlite
      .prepare('SELECT path, kind, "offset", size FROM source_files WHERE run_id = ? ORDER BY path')
      .all(input.id) as { path: string; kind: string; offset: number; size: number }[];
    const parse = (s: string | null): unknown => (s ? (JSON.parse(s) as unknown) : null);
    return {
      ...summary,
      key: r.key,
      runTitle: r.runTitle,
      genOptimizer: r.genOptimizer,
      discOptimizer: r.discOptimizer,
      maxEpochs: r.maxEpochs,
      limitTrainBatches: r.limitTrainBatches,
      valCheckInterval: r.valCheckInterval,
      logEveryNSteps: r.logEveryNSteps,
      gradientClipVal: r.gradientClipVal,
      scheduler: parse(r.scheduler),
      config: parse(r.config),
      hparams: parse(r.hparams),
      overrides: (parse(r.overrides) as string[] | null) ?? [],
      files,
    };
  }),

  tags: publicProcedure.input(z.object({ runId: z.number().int() })).query(({ ctx, input }) => {
    return ctx.db.sqlite
      .prepare(
        'SELECT tag, plugin, n_points AS points, first_step AS firstStep, last_step AS lastStep, last_value AS lastValue, segment + 1 AS segments FROM series WHERE run_id = ? ORDER BY tag',
      )
      .all(input.runId) as { tag: string; plugin: string | null; points: number; firstStep: number | null; lastStep: number | null; lastValue: number | null; segments: number }[];
  }),

  samples: publicProcedure.input(z.object({ runId: z.number().int() })).query(({ ctx, input }) => {
    const r = getRun(ctx.db.sqlite, input.runId);
    return r && r.kind === 'lama' ? listSamples(r.path) : [];
  }),

  compareSummaries: publicProcedure
    .input(z.object({ runIds: z.array(z.number().int()).min(1).max(20) }))
    .query(({ ctx, input }) => input.runIds.map((id) => compareSummary(ctx.db.sqlite, id))),

  configDiff: publicProcedure
    .input(z.object({ runIds: z.array(z.number().int()).min(2).max(20) }))
    .query(({ ctx, input }) => {
      const configs = input.runIds.map((id) => {
        const r = getRun(ctx.db.sqlite, id);
        if (!r) throw new TRPCError({ code: 'NOT_FOUND', message: `no run ${id}` });
        return flattenConfig(r.config ? (JSON.parse(r.config) as unknown) : {});
      });
      return { runIds: input.runIds, rows: configDiff(configs) };
    }),
});
