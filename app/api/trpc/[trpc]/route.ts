import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { appRouter } from '@/server/api/root';
import { createContext } from '@/server/api/trpc';
import { MAX_BATCH_SIZE } from '@/server/api/budget';

export const dynamic = 'force-dynamic';

function handler(req: Request) {
  return fetchRequestHandler({ endpoint: '/api/trpc', req, router: appRouter, createContext, maxBatchSize: MAX_BATCH_SIZE });
}

export { handler as GET, handler as POST };
