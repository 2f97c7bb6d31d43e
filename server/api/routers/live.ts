// live.onChange: a subscription over server-sent events. It follows the `changes` log in the database,
// so whatever process ingests (the watcher, `lrscope ingest`) reaches every open page. SQLite: polled every
// 100 ms; PostgreSQL: LISTEN/NOTIFY (a trigger on the log notifies at commit; pg/notify.ts).
import { z } from 'zod';
import { tracked } from '@trpc/server';
import { router, publicProcedure } from '../trpc';
import { changesAfter, lastChangeSeq } from '../../db/changes';
import { PgDatabase } from '../../db/pg/database';
import { FALLBACK_MS, changeListener } from '../../db/pg/notify';
import * as v from '../inputs';

export type LiveEvent =
  | { type: 'data'; runId: number; lastStep: number | null; tags: string[] }
  | { type: 'run-added'; runId: number }
  | { type: 'status-changed'; runId: number; status: string }
  | { type: 'findings'; runId: number };

export const POLL_MS = 100;
const BATCH = 500;

/**
 * Waits `ms`, or less when the connection goes away. Leaves nothing behind: the abort listener added
 * for the wait is removed when the wait ends, so a connection polling for days holds one at most.
 */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(t);
      resolve();
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Where a subscription starts: after the client's last event when that is a sequence number the log has
 * reached (a reconnect), else now. A missing, malformed, zero or future id (a database recreated since)
 * is a fresh start — never silence, never a replay of the whole log.
 */
export function startSeq(lastEventId: string | null | undefined, last: number): number {
  if (!lastEventId || !/^\d{1,15}$/.test(lastEventId)) return last;
  const n = Number(lastEventId);
  return n > 0 && n <= last ? n : last;
}

export const liveRouter = router({
  onChange: publicProcedure
    .input(z.object({ runIds: z.array(v.runId).max(100).optional(), lastEventId: z.string().max(64).nullish() }).default({}))
    .subscription(async function* ({ ctx, input, signal }) {
      let seq = startSeq(input.lastEventId, lastChangeSeq(ctx.db.sqlite));
      const want = input.runIds?.length ? new Set(input.runIds) : null;
      // PostgreSQL: woken by NOTIFY from any writer (pg/notify.ts) while the listener is up, else polled
      const listener = ctx.db.sqlite instanceof PgDatabase ? changeListener(ctx.db.sqlite.url) : null;
      while (!signal?.aborted) {
        const generation = listener?.generation ?? 0;
        const rows = changesAfter(ctx.db.sqlite, seq, BATCH);
        for (const r of rows) {
          seq = r.seq;
          if (want && !want.has(r.runId)) continue;
          const ev: LiveEvent =
            r.kind === 'data'
              ? { type: 'data', runId: r.runId, lastStep: r.lastStep, tags: r.tags ? (JSON.parse(r.tags) as string[]) : [] }
              : r.kind === 'run-added'
                ? { type: 'run-added', runId: r.runId }
                : r.kind === 'findings'
                  ? { type: 'findings', runId: r.runId }
                  : { type: 'status-changed', runId: r.runId, status: r.status ?? 'unknown' };
          yield tracked(String(r.seq), ev);
        }
        if (rows.length < BATCH) {
          if (listener?.listening) await listener.wait(generation, FALLBACK_MS, signal);
          else await sleep(POLL_MS, signal);
        }
      }
    }),
});
