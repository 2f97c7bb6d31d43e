import { z } from 'zod';
import { TRPCError } from '@trpc/server';
import { router, publicProcedure } from '../trpc';
import { getRun, compareSummary } from '../../db/runs';
import { listRuns, runRows, tagsOfRuns, RUN_SORTS } from '../../db/runList';
import { RUN_KINDS, RUN_STATUSES } from '../../db/schema';
import { flattenConfig, configDiff } from '../../db/configDiff';
import { listSamples } from '../../db/samples';
import * as v from '../inputs';

export const runsRouter = router({
  /** One page of the runs table: filtered and sorted by SQL over the summary columns, with the total. */
  list: publicProcedure
    .input(
      z
        .object({
          q: v.searchText.optional(),
          status: z.array(z.enum(RUN_STATUSES)).max(RUN_STATUSES.length).optional(),
          kind: z.array(z.enum(RUN_KINDS)).max(RUN_KINDS.length).optional(),
          sort: z.object({ by: z.enum(RUN_SORTS), dir: z.enum(['asc', 'desc']) }).optional(),
          limit: z.number().int().min(1).max(1000).default(100),
          offset: z.number().int().min(0).max(1e9).default(0),
        })
        .default({ limit: 100, offset: 0 }),
    )
    .query(({ ctx, input }) => listRuns(ctx.db.db, input)),

  /** The runs table rows of some runs with their tags (the comparison page). */
  byIds: publicProcedure
    .input(z.object({ ids: z.array(v.runId).max(50) }))
    .query(({ ctx, input }) => {
      const tags = tagsOfRuns(ctx.db.db, input.ids);
      return runRows(ctx.db.db, input.ids).map((r) => ({ ...r, tags: tags.get(r.id) ?? [] }));
    }),

  get: publicProcedure.input(z.object({ id: v.runId })).query(({ ctx, input }) => {
    const r = getRun(ctx.db.sqlite, input.id);
    if (!r) throw new TRPCError({ code: 'NOT_FOUND', message: `no run ${input.id}` });
    const [summary] = runRows(ctx.db.db, [input.id]);
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

  tags: publicProcedure.input(z.object({ runId: v.runId })).query(({ ctx, input }) => {
    return ctx.db.sqlite
      .prepare(
        'SELECT tag, plugin, n_points AS points, first_step AS firstStep, last_step AS lastStep, last_value AS lastValue, segment + 1 AS segments FROM series WHERE run_id = ? ORDER BY tag',
      )
      .all(input.runId) as { tag: string; plugin: string | null; points: number; firstStep: number | null; lastStep: number | null; lastValue: number | null; segments: number }[];
  }),

  samples: publicProcedure.input(z.object({ runId: v.runId })).query(({ ctx, input }) => {
    const r = getRun(ctx.db.sqlite, input.runId);
    return r && r.kind === 'lama' ? listSamples(r.path) : [];
  }),

  compareSummaries: publicProcedure
    .input(z.object({ runIds: z.array(v.runId).min(1).max(20) }))
    .query(({ ctx, input }) => input.runIds.map((id) => compareSummary(ctx.db.sqlite, id))),

  configDiff: publicProcedure
    .input(z.object({ runIds: z.array(v.runId).min(2).max(20) }))
    .query(({ ctx, input }) => {
      const configs = input.runIds.map((id) => {
        const r = getRun(ctx.db.sqlite, id);
        if (!r) throw new TRPCError({ code: 'NOT_FOUND', message: `no run ${id}` });
        return flattenConfig(r.config ? (JSON.parse(r.config) as unknown) : {});
      });
      return { runIds: input.runIds, rows: configDiff(configs) };
    }),
});
