// live.onChange: a subscription over server-sent events. It follows the `changes` log in the database,
// so whatever process ingests (the watcher, `lrscope ingest`) reaches every open page.
import { z } from 'zod';
import { tracked } from '@trpc/server';
import { router, publicProcedure } from '../trpc';

export type LiveEvent =
  | { type: 'data'; runId: number; lastStep: number | null; tags: string[] }
  | { type: 'run-added'; runId: number }
  | { type: 'status-changed'; runId: number; status: string }
  | { type: 'findings'; runId: number };

const POLL_MS = 100;

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });
}

export const liveRouter = router({
  onChange: publicProcedure
    .input(z.object({ runIds: z.array(z.number().int()).max(100).optional(), lastEventId: z.string().nullish() }).default({}))
    .subscription(async function* ({ ctx, input, signal }) {
      const stmt = ctx.db.sqlite.prepare('SELECT seq, run_id AS runId, kind, last_step AS lastStep, tags, status FROM changes WHERE seq > ? ORDER BY seq LIMIT 500');
      // resume after the last event the client saw (reconnect), else start from now
      let seq = input.lastEventId ? Number(input.lastEventId) : ((ctx.db.sqlite.prepare('SELECT MAX(seq) AS s FROM changes').get() as { s: number | null }).s ?? 0);
      const want = input.runIds?.length ? new Set(input.runIds) : null;
      while (!signal?.aborted) {
        const rows = stmt.all(seq) as { seq: number; runId: number; kind: LiveEvent['type']; lastStep: number | null; tags: string | null; status: string | null }[];
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
        if (rows.length < 500) await sleep(POLL_MS, signal);
      }
    }),
});
