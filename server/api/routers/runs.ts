import { z } from 'zod';
import { TRPCError } from '@trpc/server';
import { router, publicProcedure, mutationProcedure } from '../trpc';
import { getRun, compareSummary } from '../../db/runs';
import { stepsPerEpoch } from '../../db/runData';
import { listRuns, runRows, tagsOfRuns, listDeletedRuns, RUN_SORTS } from '../../db/runList';
import { storeFor } from '../store';
import { runLabels, resolvedFlat } from '../../db/runLabels';
import { RUN_KINDS, RUN_STATUSES } from '../../db/schema';
import { configDiff } from '../../db/configDiff';
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
          archived: z.enum(['hide', 'include', 'only']).optional(),
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
      stepsPerEpoch: stepsPerEpoch(ctx.db.sqlite, input.id, r.limitTrainBatches),
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

  /** The user's alias, notes and tags of a run (each only when given; '' / [] clears it). */
  setMeta: mutationProcedure
    .input(
      z.object({
        id: v.runId,
        alias: z.string().max(100).nullable().optional(),
        notes: z.string().max(20_000).nullable().optional(),
        tags: z.array(z.string().max(40)).max(30).optional(),
      }),
    )
    .mutation(({ ctx, input }) => {
      if (!storeFor(ctx.db).setRunMeta(input.id, input)) throw new TRPCError({ code: 'NOT_FOUND', message: `no run ${input.id}` });
      return runRows(ctx.db.db, [input.id])[0];
    }),

  /** Archive (hidden from the runs table unless asked for) or un-archive a run. */
  setArchived: mutationProcedure.input(z.object({ id: v.runId, archived: z.boolean() })).mutation(({ ctx, input }) => {
    if (!storeFor(ctx.db).setArchived(input.id, input.archived)) throw new TRPCError({ code: 'NOT_FOUND', message: `no run ${input.id}` });
    return { id: input.id, archived: input.archived };
  }),

  /** Deletes a run's data (its folder is untouched) and keeps ingest and watch from reading it again. */
  delete: mutationProcedure.input(z.object({ id: v.runId })).mutation(({ ctx, input }) => {
    const gone = storeFor(ctx.db).deleteRun(input.id);
    if (!gone) throw new TRPCError({ code: 'NOT_FOUND', message: `no run ${input.id}` });
    return gone;
  }),

  /** Runs deleted by the user (restorable). */
  deleted: publicProcedure.query(({ ctx }) => listDeletedRuns(ctx.db.db)),

  /** Forgets a deletion: the next ingest, or watch's next rescan, reads the run again. */
  restore: mutationProcedure.input(z.object({ key: z.string().min(1).max(4096) })).mutation(({ ctx, input }) => {
    if (!storeFor(ctx.db).restoreRun(input.key)) throw new TRPCError({ code: 'NOT_FOUND', message: 'no deleted run with that key' });
    return { key: input.key };
  }),

  configDiff: publicProcedure
    .input(z.object({ runIds: z.array(v.runId).min(2).max(20) }))
    .query(({ ctx, input }) => {
      const parse = (s: string | null): unknown => (s ? (JSON.parse(s) as unknown) : null);
      const runs = input.runIds.map((id) => {
        const r = getRun(ctx.db.sqlite, id);
        if (!r) throw new TRPCError({ code: 'NOT_FOUND', message: `no run ${id}` });
        const row = runRows(ctx.db.db, [id])[0];
        return { ...r, alias: row?.alias ?? null, config: parse(r.config), hparams: parse(r.hparams), scheduler: parse(r.scheduler) };
      });
      // the configs resolved (`${a.b}` replaced by its value) and the labels built from what differs
      const { labels, keys } = runLabels(runs);
      return { runIds: input.runIds, rows: configDiff(runs.map(resolvedFlat)), labels, labelKeys: keys };
    }),
});
