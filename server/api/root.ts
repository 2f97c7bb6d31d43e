import { router } from './trpc';
import { runsRouter } from './routers/runs';
import { metricsRouter } from './routers/metrics';
import { gpuRouter, logsRouter, ingestRouter, findingsRouter } from './routers/misc';
import { liveRouter } from './routers/live';

export const appRouter = router({
  runs: runsRouter,
  metrics: metricsRouter,
  gpu: gpuRouter,
  logs: logsRouter,
  ingest: ingestRouter,
  live: liveRouter,
  findings: findingsRouter,
});

export type AppRouter = typeof appRouter;
