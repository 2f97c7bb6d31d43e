import { z } from 'zod';
import { router, publicProcedure } from '../trpc';
import { querySeries, X_AXES } from '../../db/series';

export const metricsRouter = router({
  series: publicProcedure
    .input(
      z.object({
        runIds: z.array(z.number().int()).min(1).max(20),
        tags: z.array(z.string().max(500)).min(1).max(100),
        x: z.enum(X_AXES).default('step'),
        range: z.object({ min: z.number(), max: z.number() }).refine((r) => r.max >= r.min, 'range.max < range.min').optional(),
        maxPoints: z.number().int().min(10).max(20_000).default(2000),
      }),
    )
    .query(({ ctx, input }) => ({ series: querySeries(ctx.db.sqlite, input) })),
});
