import { router } from './trpc';
import { runsRouter } from './routers/runs';
import { metricsRouter } from './routers/metrics';
import { gpuRouter, logsRouter, ingestRouter } from './routers/misc';
import { liveRouter } from './routers/live';

export const appRouter = router({
  runs: runsRouter,
  metrics: metricsRouter,
  gpu: gpuRouter,
  logs: logsRouter,
  ingest: ingestRouter,
  live: liveRouter,
});

export type AppRouter = typeof appRouter;
