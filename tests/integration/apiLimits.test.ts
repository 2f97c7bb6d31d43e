// Hostile and oversized input to the API, through createCaller on a temp database (no HTTP, no Next):
// bad input is BAD_REQUEST (never a 500), a batch is bounded in total work, a long read lets other calls
// in, read-only refuses mutations, and the live subscription holds no more than one abort listener
// however long it polls and starts fresh from a bad lastEventId.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getEventListeners } from 'node:events';
import { describe, it, expect, beforeAll, afterAll, afterEach, vi } from 'vitest';
import { TRPCError } from '@trpc/server';
import { openDb, type DbHandle } from '../../server/db/open';
import { Store } from '../../server/db/store';
import { ingestPaths } from '../../server/ingest/ingest';
import { appRouter } from '../../server/api/root';
import { router, publicProcedure, mutationProcedure, readOnlyGuard, type Context } from '../../server/api/trpc';
import { WorkBudget, REQUEST_POINT_BUDGET } from '../../server/api/budget';
import { POLL_MS, startSeq, sleep, type LiveEvent } from '../../server/api/routers/live';

/** What the subscription yields to an in-process caller: tracked(id, event). */
type Tracked = [string, LiveEvent];
import { buildLamaRun, lamaSpec } from '../helpers/lamaTree';
import { onPg, testDbUrl } from '../helpers/testDb';
import { FALLBACK_MS } from '../../server/db/pg/notify';

const RUNS = 10;
const TAGS = ['train_gen_l1', 'train_gen_adv', 'train_discr_adv', 'epoch', 'val_ssim_total_mean', 'val_ssim_fid100_f1_total_mean'];

async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof p === 'function' ? p() : p);
    return 'OK';
  } catch (e) {
    return e instanceof TRPCError ? e.code : `not a TRPCError: ${String(e)}`;
  }
}

describe('API input limits (createCaller on a temp database)', () => {
  let tmp: string;
  let h: DbHandle;
  let ids: number[];
  const api = (ctx: Partial<Context> = {}) => appRouter.createCaller({ db: h, ...ctx });

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-limits-'));
    const project = path.join(tmp, 'project');
    for (let i = 0; i < RUNS; i++) buildLamaRun(project, lamaSpec({ user: `user${i}`, startedAt: new Date(2026, 10, 1 + i, 9, 0, 0).getTime() }));
    h = openDb(testDbUrl(tmp, 'db'));
    ingestPaths(new Store(h), [project]);
    ids = (h.sqlite.prepare('SELECT id FROM runs ORDER BY id').all() as { id: number }[]).map((r) => r.id);
    expect(ids).toHaveLength(RUNS);
  });

  afterAll(() => {
    h?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('every procedure answers bad input with BAD_REQUEST, never INTERNAL_SERVER_ERROR', async () => {
    const long = 'x'.repeat(10_001);
    const manyIds = Array.from({ length: 1000 }, (_, i) => i);
    const cases: [string, () => Promise<unknown>][] = [
      ['runs.list q too long', () => api().runs.list({ q: long })],
      ['runs.list limit 0', () => api().runs.list({ limit: 0 })],
      ['runs.list limit huge', () => api().runs.list({ limit: 1e9 })],
      ['runs.list offset negative', () => api().runs.list({ offset: -1 })],
      ['runs.list offset fractional', () => api().runs.list({ offset: 1.5 })],
      ['runs.list bad sort', () => api().runs.list({ sort: { by: 'name; DROP TABLE runs' as never, dir: 'asc' } })],
      ['runs.list bad status', () => api().runs.list({ status: ['<img src=x>' as never] })],
      ['runs.byIds too many', () => api().runs.byIds({ ids: manyIds })],
      ['runs.byIds strings', () => api().runs.byIds({ ids: ['1' as never] })],
      ['runs.get negative', () => api().runs.get({ id: -1 })],
      ['runs.get 2^60', () => api().runs.get({ id: 2 ** 60 })],
      ['runs.get NaN', () => api().runs.get({ id: NaN })],
      ['runs.get string', () => api().runs.get({ id: '1' as never })],
      ['runs.get missing input', () => api().runs.get(undefined as never)],
      ['runs.tags float', () => api().runs.tags({ runId: 1.5 })],
      ['runs.samples Infinity', () => api().runs.samples({ runId: Infinity })],
      ['runs.compareSummaries empty', () => api().runs.compareSummaries({ runIds: [] })],
      ['runs.compareSummaries too many', () => api().runs.compareSummaries({ runIds: manyIds })],
      ['runs.configDiff one', () => api().runs.configDiff({ runIds: [ids[0]] })],
      ['metrics.series maxPoints 1e9', () => api().metrics.series({ runIds: [ids[0]], tags: ['epoch'], maxPoints: 1e9 })],
      ['metrics.series maxPoints 0', () => api().metrics.series({ runIds: [ids[0]], tags: ['epoch'], maxPoints: 0 })],
      ['metrics.series 21 runs', () => api().metrics.series({ runIds: manyIds.slice(0, 21), tags: ['epoch'] })],
      ['metrics.series 101 tags', () => api().metrics.series({ runIds: [ids[0]], tags: Array.from({ length: 101 }, (_, i) => `t${i}`) })],
      ['metrics.series tag too long', () => api().metrics.series({ runIds: [ids[0]], tags: [long] })],
      ['metrics.series no tags', () => api().metrics.series({ runIds: [ids[0]], tags: [] })],
      ['metrics.series bad axis', () => api().metrics.series({ runIds: [ids[0]], tags: ['epoch'], x: 'steps' as never })],
      ['metrics.series range reversed', () => api().metrics.series({ runIds: [ids[0]], tags: ['epoch'], range: { min: 5, max: 1 } })],
      ['metrics.series range Infinity', () => api().metrics.series({ runIds: [ids[0]], tags: ['epoch'], range: { min: 0, max: Infinity } })],
      ['metrics.series range NaN', () => api().metrics.series({ runIds: [ids[0]], tags: ['epoch'], range: { min: NaN, max: 1 } })],
      ['gpu.series maxPoints 5', () => api().gpu.series({ runIds: [ids[0]], maxPoints: 5 })],
      ['gpu.series no runs', () => api().gpu.series({ runIds: [] })],
      ['logs.validationTables string', () => api().logs.validationTables({ runId: 'x' as never })],
      ['ingest.errors negative', () => api().ingest.errors({ runId: -5 })],
      ['findings.list object', () => api().findings.list({ runId: {} as never })],
      ['live.onChange 101 runs', () => api().live.onChange({ runIds: manyIds.slice(0, 101) })],
      ['live.onChange lastEventId too long', () => api().live.onChange({ lastEventId: long })],
    ];
    const wrong: string[] = [];
    for (const [what, call] of cases) {
      const code = await codeOf(call);
      if (code !== 'BAD_REQUEST') wrong.push(`${what}: ${code}`);
    }
    expect(wrong).toEqual([]);
  });

  it('odd but well-formed input is answered, not a 500', async () => {
    const ok: [string, () => Promise<unknown>][] = [
      ['runs.get unknown id', () => api().runs.get({ id: 999_999 }).catch((e: TRPCError) => (e.code === 'NOT_FOUND' ? null : Promise.reject(e)))],
      ['runs.list odd text', () => api().runs.list({ q: "%_'\"\\;--<script>" })],
      ['runs.compareSummaries unknown', () => api().runs.compareSummaries({ runIds: [0, 999_999] })],
      ['metrics.series unknown run/tag', () => api().metrics.series({ runIds: [0, 999_999], tags: ['-', '../../etc/passwd'] })],
      ['metrics.series repeated ids', () => api().metrics.series({ runIds: [ids[0], ids[0]], tags: ['epoch', 'epoch'], maxPoints: 10 })],
      ['metrics.series huge range', () => api().metrics.series({ runIds: [ids[0]], tags: ['epoch'], x: 'epoch', range: { min: -1e308, max: 1e308 } })],
      ['gpu.series unknown', () => api().gpu.series({ runIds: [999_999] })],
      ['logs.validationTables unknown', () => api().logs.validationTables({ runId: 999_999 })],
    ];
    for (const [what, call] of ok) expect(await codeOf(call), what).toBe('OK');
    // a repeated run or tag is one series (it is priced once, so it must be returned once)
    const r = await api().metrics.series({ runIds: [ids[0], ids[0]], tags: ['epoch', 'epoch'], maxPoints: 10 });
    expect(r.series).toHaveLength(1);
  });

  it('one call asking for more than the budget is refused with a clear message', async () => {
    // 10 runs × 6 tags × 20,000 = 1.2M points > 1M
    const err = await api()
      .metrics.series({ runIds: ids, tags: TAGS, maxPoints: 20_000 })
      .then(() => null, (e: TRPCError) => e);
    expect(err?.code).toBe('BAD_REQUEST');
    expect(err?.message).toMatch(/too much data for one request: metrics\.series would return up to 1,200,000 points.*budget/);
    // the same at the UI's 2,000 points is fine
    expect((await api().metrics.series({ runIds: ids, tags: TAGS, maxPoints: 2000 })).series).toHaveLength(RUNS * TAGS.length);
  });

  it('a batch shares one budget: calls past it are refused, the ones before it answered', async () => {
    // one context = one HTTP request (tRPC creates it once per batch)
    const shared = api({ budget: new WorkBudget() });
    const one = { runIds: ids.slice(0, 5), tags: TAGS, maxPoints: 10_000 }; // 30 series × 10k = 300k
    const results = await Promise.allSettled([1, 2, 3, 4, 5].map(() => shared.metrics.series(one)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3); // 900k of 1M
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(refused).toHaveLength(2);
    for (const r of refused) expect((r.reason as TRPCError).code).toBe('BAD_REQUEST');
    // GPU series count against the same budget
    const gpuBudget = new WorkBudget(REQUEST_POINT_BUDGET);
    await api({ budget: gpuBudget }).gpu.series({ runIds: ids, maxPoints: 2000 });
    expect(gpuBudget.left).toBe(REQUEST_POINT_BUDGET - RUNS * 5 * 2000); // one GPU, five metrics each
  });

  it('a long series read lets other calls through between its chunks', async () => {
    const order: string[] = [];
    const heavy = api()
      .metrics.series({ runIds: ids, tags: TAGS, maxPoints: 2000 })
      .then(() => order.push('heavy'));
    const light = api()
      .runs.list({ limit: 1 })
      .then(() => order.push('light'));
    await Promise.all([heavy, light]);
    expect(order).toEqual(['light', 'heavy']);
  });

  describe('read-only', () => {
    // no mutation exists yet; this one stands for notes / archive / delete
    let writes = 0;
    const testRouter = router({
      touch: mutationProcedure.mutation(() => ++writes),
      alsoTouch: publicProcedure.mutation(() => ++writes),
      look: publicProcedure.query(() => writes),
    });

    it('refuses every mutation with FORBIDDEN and lets queries through', async () => {
      const ro = testRouter.createCaller({ db: h, readOnly: true });
      expect(await codeOf(ro.touch())).toBe('FORBIDDEN');
      expect(await codeOf(ro.alsoTouch())).toBe('FORBIDDEN');
      expect(writes).toBe(0);
      expect(await ro.look()).toBe(0);
      expect(await codeOf(appRouter.createCaller({ db: h, readOnly: true }).runs.list({}))).toBe('OK');
      const rw = testRouter.createCaller({ db: h, readOnly: false });
      expect(await rw.touch()).toBe(1);
    });

    it('every procedure of the API passes the read-only guard first', () => {
      const procs = Object.entries(appRouter._def.procedures as unknown as Record<string, { _def: { middlewares: unknown[] } }>);
      expect(procs.length).toBeGreaterThan(10);
      const guard = (readOnlyGuard as unknown as { _middlewares: unknown[] })._middlewares[0];
      for (const [name, p] of procs) expect(p._def.middlewares[0], name).toBe(guard);
    });
  });

  describe('live.onChange', () => {
    const insertChange = (runId: number) =>
      Number(h.sqlite.prepare("INSERT INTO changes (run_id, kind, created_at) VALUES (?, 'findings', ?)").run(runId, Date.now()).lastInsertRowid);

    /** The db handle with its change-log reads counted (one per poll). */
    function counted(): { db: DbHandle; polls: () => number } {
      let polls = 0;
      const sqlite = new Proxy(h.sqlite, {
        get(target, prop) {
          if (prop === 'prepare') {
            return (sql: string) => {
              const st = target.prepare(sql);
              if (!/FROM changes WHERE seq >/.test(sql)) return st;
              return new Proxy(st, {
                get(t, p) {
                  if (p === 'all') return (...a: unknown[]) => (polls++, t.all(...a));
                  const v = Reflect.get(t, p, t) as unknown;
                  return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
                },
              });
            };
          }
          const v = Reflect.get(target, prop, target) as unknown;
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      });
      return { db: { ...h, sqlite }, polls: () => polls };
    }

    it('1,000 polls on one connection add no listeners; closing it leaves none', async () => {
      vi.useFakeTimers();
      const { db, polls } = counted();
      const ac = new AbortController();
      const sub = (await appRouter.createCaller({ db }, { signal: ac.signal }).live.onChange({})) as unknown as AsyncIterable<Tracked>;
      const it = sub[Symbol.asyncIterator]();
      const first = it.next(); // pending while the subscription polls an unchanged log
      let most = 0;
      // SQLite polls every POLL_MS; PostgreSQL waits for a notification (pg/notify.ts) or FALLBACK_MS
      const every = onPg() ? FALLBACK_MS : POLL_MS;
      for (let i = 0; i < 1000; i++) {
        await vi.advanceTimersByTimeAsync(every);
        most = Math.max(most, getEventListeners(ac.signal, 'abort').length);
      }
      expect(polls()).toBeGreaterThanOrEqual(1000);
      expect(most).toBeLessThanOrEqual(1);
      // still alive: a change after all that arrives
      insertChange(ids[3]);
      await vi.advanceTimersByTimeAsync(every);
      expect((await first).value?.[1].runId).toBe(ids[3]);
      ac.abort();
      await vi.advanceTimersByTimeAsync(POLL_MS);
      await it.return?.(undefined);
      expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
    });

    it('sleep removes its abort listener when the time is up, and ends at once on abort', async () => {
      const ac = new AbortController();
      for (let i = 0; i < 50; i++) await sleep(0, ac.signal);
      expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
      const t0 = Date.now();
      const p = sleep(60_000, ac.signal);
      ac.abort();
      await p;
      expect(Date.now() - t0).toBeLessThan(1000);
      await sleep(60_000, ac.signal); // already aborted: returns at once
    });

    it('a missing, malformed, zero or future lastEventId starts fresh; a real one resumes', () => {
      for (const id of [undefined, null, '', 'abc', '0', '-3', '1e3', '12abc', ' 7', '99999999999999999999', '500']) expect(startSeq(id, 200), String(id)).toBe(200);
      expect(startSeq('150', 200)).toBe(150);
      expect(startSeq('200', 200)).toBe(200);
    });

    it('through the router: a bad lastEventId neither replays the log nor goes silent', async () => {
      for (let i = 0; i < 5; i++) insertChange(ids[0]); // history a full replay would send
      for (const lastEventId of ['0', 'garbage', '999999999']) {
        const ac = new AbortController();
        const sub = (await appRouter.createCaller({ db: h }, { signal: ac.signal }).live.onChange({ lastEventId })) as unknown as AsyncIterable<Tracked>;
        const it = sub[Symbol.asyncIterator]();
        const next = it.next();
        await new Promise((r) => setTimeout(r, 2 * POLL_MS));
        const seq = insertChange(ids[5]);
        const ev = await next;
        expect(ev.value?.[0], lastEventId).toBe(String(seq)); // the new event, not an old one
        ac.abort();
        await it.return?.(undefined);
      }
      // a real id resumes right after it
      const before = insertChange(ids[1]);
      const after = insertChange(ids[2]);
      const ac = new AbortController();
      const sub = (await appRouter.createCaller({ db: h }, { signal: ac.signal }).live.onChange({ lastEventId: String(before) })) as unknown as AsyncIterable<Tracked>;
      const it = sub[Symbol.asyncIterator]();
      expect((await it.next()).value?.[0]).toBe(String(after));
      ac.abort();
      await it.return?.(undefined);
    });
  });
});
