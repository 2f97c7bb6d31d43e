// The comparison page and the user's run metadata in Chromium, against a real `lrscope watch` over LaMa
// run folders: three runs with different tag sets put each summary value under its own tag's header;
// labels are unique and never `${…}` / null; a legend click hides a run and shift-click isolates one; the
// metric search finds a tag; alias / tags / notes round-trip through the run page and a reload and show in
// the runs table and the labels; archive hides a run until "show archived"; delete removes it and neither
// a later `lrscope ingest` nor watch (the run's file growing) brings it back; the runs table has no
// horizontal overflow at 1280 and 1440 px.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { freePort, startWatch, trpcClient, until, type WatchProc } from '../helpers/watchProcess';
import { launchBrowser, newPage, collectProblems, chartSelector, waitForCanvas, horizontalOverflow, MIN_DATA_PIXELS } from '../helpers/browser';
import { buildLamaRun, lamaSpec, type BuiltRun } from '../helpers/lamaTree';
import { encodeFileVersionEvent, encodeScalarEvent, eventRecord, eventFileName } from '../../server/ingest/tfeventsWriter';
import { runColors } from '../../app/compare/palette';
import { cli } from '../helpers/cli';

/** extra scalars appended to a run's event file (a tag only that run has) */
function addTag(run: BuiltRun, tag: string, n = 30, level = 0) {
  const recs: Buffer[] = [];
  for (let i = 1; i <= n; i++) recs.push(eventRecord(encodeScalarEvent({ tag, step: i * 10 - 1, value: level + 0.5 / i, wallTime: run.spec.startedAt / 1000 + i })));
  fs.appendFileSync(run.eventFile, Buffer.concat(recs));
}

describe('compare and run metadata in Chromium', () => {
  let tmp: string;
  let project: string;
  let db: string;
  let w: WatchProc;
  let browser: Browser;
  let api: ReturnType<typeof trpcClient>;
  const runs: Record<'a' | 'b' | 'c', BuiltRun> = {} as never;
  let tbOnly: string;
  const id: Record<'a' | 'b' | 'c' | 't', number> = {} as never;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-e2e-cmp-'));
    project = path.join(tmp, 'proj');
    const t = (m: number) => new Date(2026, 10, 20, 9, m).getTime();
    runs.a = buildLamaRun(project, lamaSpec({ title: 'a', startedAt: t(10), maxEpochs: 2 }));
    runs.b = buildLamaRun(project, lamaSpec({ title: 'b', startedAt: t(20), batchSize: 16, maxEpochs: 2 }));
    runs.c = buildLamaRun(project, lamaSpec({ title: 'c', startedAt: t(30), genLr: 0.002, maxEpochs: 2 }));
    addTag(runs.b, 'train_gen_fm');
    addTag(runs.c, 'train_discr_real_adv');
    // one tag all three have, at levels far apart (the LaMa tags are the same curve in every run)
    (['a', 'b', 'c'] as const).forEach((k, i) => addTag(runs[k], 'train_gen_sep', 30, i));
    // a bare TensorBoard folder: its own tag set, no config at all
    tbOnly = path.join(project, 'scratch', 'tb_only');
    fs.mkdirSync(tbOnly, { recursive: true });
    const recs = [eventRecord(encodeFileVersionEvent(t(40) / 1000))];
    for (let s = 0; s < 60; s++) recs.push(eventRecord(encodeScalarEvent({ tag: 'train_gen_l1', step: s, value: 0.3 - s / 1000, wallTime: t(40) / 1000 + s })));
    fs.writeFileSync(path.join(tbOnly, eventFileName(t(40) / 1000, 'host', 1)), Buffer.concat(recs));
    db = path.join(tmp, 'db.sqlite');
    [w, browser] = await Promise.all([startWatch([project, '--db', db, '--port', String(await freePort())]), launchBrowser()]);
    api = trpcClient(w.url);
    const list = await until(async () => {
      const l = await api.runs.list.query({ archived: 'include' });
      return l.total === 4 && l.rows.every((r) => r.points > 0) ? l : null;
    }, 60_000);
    for (const r of list.rows) {
      if (r.path === tbOnly) id.t = r.id;
      else for (const k of ['a', 'b', 'c'] as const) if (r.path === runs[k].runDir) id[k] = r.id;
    }
    expect(Object.keys(id)).toHaveLength(4);
    // every file read (the extra tags are in their runs)
    await until(async () => {
      const [b, c] = await api.runs.byIds.query({ ids: [id.b, id.c] });
      return b.tags.includes('train_gen_fm') && c.tags.includes('train_discr_real_adv') && c.tags.includes('train_gen_sep');
    }, 30_000);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await w?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const open = async (url: string, viewport = { width: 1280, height: 800 }) => {
    const { context, page } = await newPage(browser, viewport);
    const problems = collectProblems(page);
    await page.goto(w.url + url);
    return { context, page, problems };
  };

  it('puts every summary value under its own tag header, with unique labels free of ${…} and null', async () => {
    const ids = [id.a, id.b, id.t];
    const { context, page, problems } = await open(`/compare?runs=${ids.join(',')}`);
    await page.locator('[data-testid="summary"] tbody tr[data-run-id]').nth(2).waitFor();
    const summaries = await api.runs.compareSummaries.query({ runIds: ids });
    const headers = await page.$$eval('[data-testid="summary"] thead th[data-tag]', (ths) => ths.map((th) => th.getAttribute('data-tag')!));
    const lossTags = [...new Set(summaries.flatMap((s) => s.lastLosses.map((l) => l.tag)))].sort();
    expect(headers).toEqual(['best', ...lossTags]);
    expect(lossTags).toContain('train_gen_fm'); // only run b has it
    for (const s of summaries) {
      const cells = await page.$$eval(`[data-testid="summary"] tbody tr[data-run-id="${s.runId}"] td[data-tag]`, (tds) =>
        tds.map((td) => [td.getAttribute('data-tag')!, td.textContent!.trim()] as const),
      );
      expect(cells.map((c) => c[0])).toEqual(['best', ...lossTags]); // one cell per header, in the same order
      for (const [tag, text] of cells.slice(1)) {
        const l = s.lastLosses.find((x) => x.tag === tag);
        if (!l) expect(text, `${s.runId} ${tag}`).toBe('—');
        else expect(Number(text.replace(/,/g, '')), `${s.runId} ${tag}`).toBeCloseTo(l.value!, 3);
      }
    }
    const labels = await page.getByTestId('run-label').allInnerTexts();
    expect(labels).toHaveLength(3);
    expect(new Set(labels).size).toBe(3);
    for (const l of labels) expect(l).not.toMatch(/\$\{|null|undefined/);
    expect(labels[0]).toContain('bs=10');
    expect(labels[1]).toContain('bs=16');
    // colours come from the runs (palette.ts), the LR overlay is off by default
    const colors = await page.$$eval('[data-testid="legend"] [data-color]', (els) => els.map((e) => e.getAttribute('data-color')));
    const want = runColors(ids);
    expect(colors).toEqual(ids.map((i) => want.get(i)));
    expect(await page.getByTestId('lr-overlay').isChecked()).toBe(false);
    expect(await horizontalOverflow(page)).toEqual([]);
    problems.assertNone('compare summary');
    await context.close();
  });

  it('a legend click hides a run from the charts, shift-click shows one alone, and the search adds a metric', async () => {
    const ids = [id.a, id.b, id.c];
    const col = runColors(ids);
    const [ca, cb, cc] = ids.map((i) => col.get(i)!);
    const { context, page, problems } = await open(`/compare?runs=${ids.join(',')}&tags=train_gen_sep`);
    const sel = chartSelector('train_gen_sep');
    const all = (s: { near: Record<string, number> }) => [ca, cb, cc].every((c) => s.near[c] >= MIN_DATA_PIXELS);
    await waitForCanvas(page, sel, all, { colors: [ca, cb, cc], what: 'drew the three runs', timeoutMs: 30_000 });
    const entry = (runId: number) => page.locator(`[data-testid="legend"] [data-run-id="${runId}"] [data-testid="legend-entry"]`);
    await entry(id.b).click();
    await waitForCanvas(page, sel, (s) => s.near[cb] < 5 && s.near[ca] >= MIN_DATA_PIXELS && s.near[cc] >= MIN_DATA_PIXELS, { colors: [ca, cb, cc], what: 'hid run b' });
    expect(await page.locator(`[data-testid="legend"] [data-run-id="${id.b}"]`).getAttribute('data-hidden')).toBe('true');
    expect(new URL(page.url()).searchParams.get('hide')).toBe(String(id.b));
    await entry(id.c).click({ modifiers: ['Shift'] });
    await waitForCanvas(page, sel, (s) => s.near[cc] >= MIN_DATA_PIXELS && s.near[ca] < 5 && s.near[cb] < 5, { colors: [ca, cb, cc], what: 'showed run c alone' });
    await entry(id.c).click({ modifiers: ['Alt'] }); // again: every run
    await waitForCanvas(page, sel, all, { colors: [ca, cb, cc], what: 'showed every run again' });
    expect(await page.getByTestId('legend-hint').innerText()).toMatch(/shift- or alt-click/);

    // the metric search: a substring, then a regex, adds a chart
    await page.getByTestId('metric-search').fill('real_adv');
    await page.locator('.cmp-option', { hasText: 'train_discr_real_adv' }).locator('input').check();
    await page.locator(chartSelector('train_discr_real_adv')).waitFor({ timeout: 20_000 });
    await page.getByTestId('metric-search').fill('/^val_ssim/');
    expect((await page.locator('.cmp-option').allInnerTexts()).map((x) => x.trim())).toEqual(['val_ssim_fid100_f1_total_mean', 'val_ssim_total_mean']);
    expect((await page.getByTestId('picked-metric').allInnerTexts()).map((x) => x.replace(/\s*×$/, ''))).toEqual(['train_gen_sep', 'train_discr_real_adv']);
    problems.assertNone('legend and picker');
    await context.close();
  });

  it('alias, tags and notes round-trip through the run page and a reload, and show in the table and labels', async () => {
    const { context, page, problems } = await open(`/runs/${id.a}`);
    await page.getByTestId('meta-edit').click();
    await page.getByTestId('meta-alias').fill('baseline');
    await page.getByTestId('meta-tags').fill('celeba, sweep-1, celeba');
    await page.getByTestId('meta-notes').fill('adam\nno warmup');
    await page.getByTestId('meta-save').click();
    await page.getByTestId('run-alias').waitFor();
    await page.reload();
    await page.getByTestId('run-alias').waitFor();
    expect(await page.getByTestId('run-alias').innerText()).toBe('baseline');
    expect(await page.getByTestId('run-tag').allInnerTexts()).toEqual(['celeba', 'sweep-1']);
    expect(await page.getByTestId('run-notes').innerText()).toBe('adam\nno warmup');

    await page.goto(w.url + '/');
    const row = page.locator(`table[data-testid="runs"] tr[data-run-id="${id.a}"]`);
    await row.getByTestId('row-alias').waitFor();
    expect((await row.getByTestId('row-alias').innerText()).trim()).toBe('baseline');
    expect(await row.getByTestId('row-tag').allInnerTexts()).toEqual(['celeba', 'sweep-1']);
    for (const vp of [{ width: 1280, height: 800 }, { width: 1440, height: 900 }]) {
      await page.setViewportSize(vp);
      expect(await horizontalOverflow(page), `${vp.width} px`).toEqual([]);
      // the key columns are on screen
      for (const h of ['best val metric', 'findings', 'GPU util']) {
        const box = await page.locator('table[data-testid="runs"] thead th', { hasText: h }).boundingBox();
        expect(box!.x + box!.width, h).toBeLessThanOrEqual(vp.width);
      }
    }
    await page.goto(`${w.url}/compare?runs=${id.a},${id.b}`);
    await page.getByTestId('run-label').first().waitFor();
    await until(async () => (await page.getByTestId('run-label').first().innerText()).startsWith('baseline'), 10_000);
    problems.assertNone('run meta');
    await context.close();
  });

  it('archive hides a run from the table until "show archived" is ticked', async () => {
    const { context, page, problems } = await open(`/runs/${id.b}`);
    await page.getByTestId('meta-archive').click();
    await page.getByTestId('run-archived').waitFor();
    await page.goto(w.url + '/');
    await page.locator(`table[data-testid="runs"] tr[data-run-id="${id.a}"]`).waitFor();
    expect(await page.locator(`table[data-testid="runs"] tr[data-run-id="${id.b}"]`).count()).toBe(0);
    expect(await page.getByTestId('runs-count').innerText()).toBe('3 runs');
    await page.getByTestId('show-archived').check();
    const row = page.locator(`table[data-testid="runs"] tr[data-run-id="${id.b}"]`);
    await row.waitFor();
    await row.getByTestId('row-archived').waitFor();
    await page.reload(); // in the URL
    await row.waitFor();
    expect(await page.getByTestId('show-archived').isChecked()).toBe(true);
    problems.assertNone('archive');
    await context.close();
  });

  it('delete removes the run; neither a re-ingest nor the watcher brings it back; restore does', async () => {
    const { context, page, problems } = await open(`/runs/${id.c}`);
    await page.getByTestId('meta-delete').click();
    await page.getByTestId('meta-delete-confirm').click();
    await page.waitForURL(w.url + '/');
    await page.locator(`table[data-testid="runs"] tr[data-run-id="${id.a}"]`).waitFor();
    expect(await page.locator(`table[data-testid="runs"] tr[data-run-id="${id.c}"]`).count()).toBe(0);
    expect(fs.existsSync(runs.c.eventFile)).toBe(true);
    const all = async () => (await api.runs.list.query({ archived: 'include' })).rows.map((r) => r.path);
    expect(await all()).not.toContain(runs.c.runDir);

    // a re-ingest of the whole project skips it
    const out = await cli('ingest', project, '--db', db);
    expect(out.code).toBe(0);
    expect(out.out).toMatch(/Skipped 1 deleted run/);
    // the watcher: the run's event file grows, a rescan happens; still gone
    addTag(runs.c, 'train_gen_late', 5);
    fs.mkdirSync(path.join(project, 'experiments', 'new_folder_to_rescan'));
    await new Promise((r) => setTimeout(r, 3000));
    expect(await all()).not.toContain(runs.c.runDir);

    // the runs table offers to restore it; the next ingest reads it again, whole
    await page.reload();
    await page.getByTestId('deleted-runs').locator('summary').click();
    await page.getByTestId('restore-run').click();
    await until(async () => (await api.runs.deleted.query()).length === 0, 10_000);
    expect((await cli('ingest', project, '--db', db)).code).toBe(0);
    const back = await until(async () => (await api.runs.list.query({ archived: 'include' })).rows.find((r) => r.path === runs.c.runDir), 20_000);
    expect(back.points).toBeGreaterThan(0);
    problems.assertNone('delete');
    await context.close();
  });
});
