// The runs table with a lab's 1,000 runs in Chromium: rows show, only a window of them is in the DOM,
// scrolling brings the rows near the end (the right ones, at the right place), and a header click and
// the filter ask the server for another order / subset. Which run belongs where comes from the API.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { freePort, startWatch, trpcClient, until, type WatchProc } from '../helpers/watchProcess';
import { launchBrowser, newPage, collectProblems, horizontalOverflow } from '../helpers/browser';
import { openDb } from '../../server/db/open';
import { writeSyntheticRuns } from '../../scripts/bench/syntheticRuns';

const N = 1000;
/** RunsTable's fixed row height */
const ROW_H = 44;

describe('runs table with 1,000 runs in Chromium', () => {
  let tmp: string;
  let w: WatchProc;
  let browser: Browser;
  let api: ReturnType<typeof trpcClient>;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-e2e-runs-'));
    const db = path.join(tmp, 'db.sqlite');
    const h = openDb(db);
    try {
      writeSyntheticRuns(h, { runs: N, seed: 3 });
    } finally {
      h.close();
    }
    const empty = path.join(tmp, 'watched');
    fs.mkdirSync(empty);
    [w, browser] = await Promise.all([startWatch([empty, '--db', db, '--port', String(await freePort())]), launchBrowser()]);
    api = trpcClient(w.url);
  });

  afterAll(async () => {
    await browser?.close();
    await w?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const rowIds = (page: Page) => page.$$eval('table[data-testid="runs"] tbody tr[data-run-id]', (trs) => trs.map((t) => Number(t.getAttribute('data-run-id'))));
  /** the run at `index` of the table's current order, and where its row is in the viewport */
  const rowAt = (page: Page, index: number) =>
    page.evaluate((i) => {
      const tr = document.querySelector(`table[data-testid="runs"] tbody tr[data-index="${i}"]`);
      if (!tr) return null;
      const b = tr.getBoundingClientRect();
      return { id: Number(tr.getAttribute('data-run-id')), top: b.top, bottom: b.bottom, height: b.height, viewport: window.innerHeight };
    }, index);

  it('shows the first rows, keeps only a window of them in the DOM, and scrolls to the end', async () => {
    const { context, page } = await newPage(browser, { width: 1280, height: 800 });
    const problems = collectProblems(page);
    const want = (await api.runs.list.query({ limit: 1000 })).rows.map((r) => r.id);
    expect(want).toHaveLength(N);
    await page.goto(w.url + '/');
    await page.locator('table[data-testid="runs"] tbody tr[data-run-id]').first().waitFor();
    expect(await page.getByTestId('runs-count').innerText()).toBe(`${N} runs`);
    const first = await rowIds(page);
    expect(first.length).toBeGreaterThan(5);
    expect(first.length).toBeLessThan(100); // a window, not 1,000 rows
    expect(first).toEqual(want.slice(0, first.length));
    const r0 = (await rowAt(page, 0))!;
    expect(r0.height).toBeCloseTo(ROW_H, 0);
    expect(await horizontalOverflow(page)).toEqual([]);

    // the middle: row 500 where the row height puts it, and it is the API's 500th run
    await page.evaluate(([i, h]) => {
      const top = document.querySelector('table[data-testid="runs"] tbody')!.getBoundingClientRect().top + window.scrollY;
      window.scrollTo(0, top + i * h - 300);
    }, [500, ROW_H] as const);
    const mid = await until(() => rowAt(page, 500), 10_000, 50);
    expect(mid.id).toBe(want[500]);
    expect(mid.top).toBeGreaterThan(0);
    expect(mid.bottom).toBeLessThan(mid.viewport);

    // the end: the last rows appear in view, in order
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    const last = await until(() => rowAt(page, N - 1), 10_000, 50);
    expect(last.id).toBe(want[N - 1]);
    expect(last.bottom).toBeLessThanOrEqual(last.viewport + 1);
    expect(last.bottom).toBeGreaterThan(0);
    const ids = await rowIds(page);
    expect(ids.length).toBeLessThan(100);
    expect(ids).toEqual(want.slice(N - ids.length));
    problems.assertNone('1,000-run table');
    await context.close();
  });

  it('a header click sorts on the server (URL state) and the filter narrows the total', async () => {
    const { context, page } = await newPage(browser, { width: 1400, height: 900 });
    const problems = collectProblems(page);
    await page.goto(w.url + '/');
    await page.locator('tbody tr[data-run-id]').first().waitFor();
    await page.locator('th', { hasText: 'step / epoch' }).click();
    await page.waitForURL(/sort=lastStep/);
    const byStep = (await api.runs.list.query({ sort: { by: 'lastStep', dir: 'desc' }, limit: 20 })).rows.map((r) => r.id);
    await until(async () => {
      const ids = await rowIds(page);
      return ids.length >= 20 && ids.slice(0, 20).join() === byStep.join();
    }, 10_000, 50);
    await page.getByTestId('runs-filter').fill('alice');
    await page.waitForURL(/q=alice/);
    const filtered = await api.runs.list.query({ q: 'alice', sort: { by: 'lastStep', dir: 'desc' }, limit: 1000 });
    expect(filtered.total).toBeGreaterThan(0);
    expect(filtered.total).toBeLessThan(N);
    await until(async () => (await page.getByTestId('runs-count').innerText()) === `${filtered.total} runs`, 10_000, 50);
    await until(async () => {
      const ids = await rowIds(page);
      return ids.length > 0 && ids.join() === filtered.rows.slice(0, ids.length).map((r) => r.id).join();
    }, 10_000, 50);
    // the URL restores the view after a reload
    await page.reload();
    await page.locator('tbody tr[data-run-id]').first().waitFor();
    expect(await page.getByTestId('runs-filter').inputValue()).toBe('alice');
    expect((await rowIds(page))[0]).toBe(filtered.rows[0].id);
    problems.assertNone('sort and filter');
    await context.close();
  });
});
