import { initTRPC, TRPCError } from '@trpc/server';
import { getDb } from '../db/shared';
import type { DbHandle } from '../db/open';
import { WorkBudget } from './budget';

export interface Context {
  db: DbHandle;
  /** `lrscope watch --read-only`: every mutation is refused (FORBIDDEN) */
  readOnly?: boolean;
  /** what this request (all calls of a batch) may still read; a call without one gets its own */
  budget?: WorkBudget;
}

/** One per HTTP request: a batch shares it, and with it one work budget. */
export function createContext(): Context {
  return { db: getDb(), readOnly: process.env.LRSCOPE_READ_ONLY === '1', budget: new WorkBudget() };
}

const t = initTRPC.context<Context>().create({
  // keep SSE connections alive through proxies; clients reconnect after 5 s of silence
  sse: { ping: { enabled: true, intervalMs: 2000 }, client: { reconnectAfterInactivityMs: 5000 } },
});

export const router = t.router;

/**
 * Every procedure is built on publicProcedure, so no mutation can forget the read-only rule: in
 * read-only mode a mutation is refused before its input is even parsed. Queries and subscriptions are
 * unaffected.
 */
export const readOnlyGuard = t.middleware(({ ctx, type, next }) => {
  if (type === 'mutation' && ctx.readOnly) {
    throw new TRPCError({ code: 'FORBIDDEN', message: 'this dashboard is read-only (lrscope watch --read-only): changes are refused' });
  }
  return next();
});

export const publicProcedure = t.procedure.use(readOnlyGuard);

/** Procedures that change data (notes, archive, delete …): the same guard, named for the reader. */
export const mutationProcedure = publicProcedure;

/** The request's budget, or a fresh one for a call made without (createCaller in a script). */
export function budgetOf(ctx: Context): WorkBudget {
  return (ctx.budget ??= new WorkBudget());
}
