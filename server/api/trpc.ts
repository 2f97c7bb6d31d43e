import { initTRPC } from '@trpc/server';
import { getDb } from '../db/shared';
import type { DbHandle } from '../db/open';

export interface Context {
  db: DbHandle;
}

export function createContext(): Context {
  return { db: getDb() };
}

const t = initTRPC.context<Context>().create({
  // keep SSE connections alive through proxies; clients reconnect after 5 s of silence
  sse: { ping: { enabled: true, intervalMs: 2000 }, client: { reconnectAfterInactivityMs: 5000 } },
});

export const router = t.router;
export const publicProcedure = t.procedure;
