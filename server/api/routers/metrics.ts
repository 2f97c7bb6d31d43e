import { z } from 'zod';
import { router, publicProcedure, budgetOf } from '../trpc';
import { querySeries, X_AXES, type SeriesOut } from '../../db/series';
import { countSeries } from '../../db/seriesCount';
import { yieldToEventLoop } from '../budget';
import * as v from '../inputs';

/** Series read between two yields to the event loop: a long batch never holds other requests up. */
const SERIES_PER_CHUNK = 8;

export const metricsRouter = router({
  series: publicProcedure
    .input(
      z.object({
        runIds: z.array(v.runId).min(1).max(20),
        tags: z.array(v.tag).min(1).max(100),
        x: z.enum(X_AXES).default('step'),
        range: v.range.optional(),
        maxPoints: v.maxPoints.default(2000),
      }),
    )
    .query(async ({ ctx, input }) => {
      // each series once (a repeated id or tag would otherwise multiply the work past its price)
      const runIds = [...new Set(input.runIds)];
      const tags = [...new Set(input.tags)];
      // priced before reading: the series that exist, each at most maxPoints
      budgetOf(ctx).spend(countSeries(ctx.db.sqlite, runIds, tags) * input.maxPoints, 'metrics.series');
      const series: SeriesOut[] = [];
      for (const runId of runIds) {
        for (let i = 0; i < tags.length; i += SERIES_PER_CHUNK) {
          if (i > 0 || runId !== runIds[0]) await yieldToEventLoop();
          series.push(...querySeries(ctx.db.sqlite, { ...input, runIds: [runId], tags: tags.slice(i, i + SERIES_PER_CHUNK) }));
        }
      }
      return { series };
    }),
});
