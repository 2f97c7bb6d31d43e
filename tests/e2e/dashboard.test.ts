// The dashboard in a real browser: Debian's Chromium (playwright-core) against `lrscope watch` while two
// simulated LaMa jobs (`lrscope demo`'s writer) write into the watched folder. What is drawn is checked
// on the chart canvases' pixels; view state is checked in the URL; requests on the tRPC wire.
//
// Screenshots of the three pages are taken on every run; they are written to docs/screenshots/ when
// LRSCOPE_SCREENSHOTS=1 (so a plain `npm test` leaves committed files alone), else to the temp folder.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { freePort, startWatch, trpcClient, until, type WatchProc } from '../helpers/watchProcess';
import {
  launchBrowser, newPage, collectProblems, canvasStats, chartSelector, waitForCanvas, trpcInputs, horizontalOverflow, MIN_DATA_PIXELS,
  type CanvasStats, type Problems,
} from '../helpers/browser';
import { startDemo, type DemoHandle } from '../../server/demo/demoWriter';
import { runColors } from '../../app/compare/palette';

// Requests a page may legitimately see cancelled: Next's RSC prefetches and the live subscription's
// event stream, both torn down when the page navigates or reloads.
const EXPECTED_ABORTS = /[?&]_rsc=|\/api\/trpc\/live\.onChange\?/;

type Opened = { context: BrowserContext; page: Page; problems: Problems & { aborted: string[] } };

describe('dashboard in Chromium', () => {
  let tmp: string;
  let project: string;
  let w: WatchProc;
  let api: ReturnType<typeof trpcClient>;
  let browser: Browser;
  let shotsDir: string;
  let alice: DemoHandle | null = null; // healthy, long and live
  let bob: DemoHandle | null = null; // oscillation (G lr 4e-3), short: finished before the chart tests
  const opened: Opened[] = [];
  const lastEventAt = new Map<number, number>();
  let unsubscribe: () => void = () => {};

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-e2e-'));
    project = path.join(tmp, 'project');
    fs.mkdirSync(project);
    shotsDir = process.env.LRSCOPE_SCREENSHOTS === '1' ? path.resolve('docs/screenshots') : path.join(tmp, 'screenshots');
    fs.mkdirSync(shotsDir, { recursive: true });
    const port = await freePort();
    [w, browser] = await Promise.all([startWatch([project, '--db', path.join(tmp, 'db.sqlite'), '--port', String(port)]), launchBrowser()]);
    api = trpcClient(w.url);
    const sub = api.live.onChange.subscribe({}, { onData: ({ data }) => lastEventAt.set(data.runId, Date.now()) });
    unsubscribe = () => sub.unsubscribe();
  });

  afterAll(async () => {
    for (const o of opened) await o.context.close().catch(() => {});
    await browser?.close();
    unsubscribe();
    await Promise.all([alice?.stop(), bob?.stop()]);
    await w?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** Both jobs, started once (idempotent so any test can run alone). */
  function ensureDemos(): { alice: DemoHandle; bob: DemoHandle } {
    // speed 5: 1 000 steps/s, a point per training tag every 50 steps, an epoch (validation) per second
    alice ??= startDemo({ dir: project, scenario: 'healthy', speed: 5, steps: 200_000, user: 'alice' });
    bob ??= startDemo({ dir: project, scenario: 'oscillation', speed: 20, steps: 4_000, user: 'bob' });
    return { alice, bob };
  }

  async function runIds(): Promise<{ alice: number; bob: number }> {
    const d = ensureDemos();
    const runs = await until(async () => {
      const list = (await api.runs.list.query({})).rows;
      const a = list.find((r) => r.name === d.alice.runName);
      const b = list.find((r) => r.name === d.bob.runName);
      return a && b && a.points > 0 && b.points > 0 ? { alice: a.id, bob: b.id } : null;
    }, 20_000);
    return runs;
  }

  /**
   * Bob's job is over, every point it wrote is stored, it is `finished`, and its run has been quiet
   * (no live event: data, status, findings from the debounced diagnosis) for 3 s, so its page no longer
   * changes by itself and pixel hashes compare what the view options draw.
   */
  async function bobSettled(): Promise<number> {
    const { bob: b } = ensureDemos();
    const ids = await runIds();
    await b.done;
    const total = [...b.written().values()].reduce((n, l) => n + l.length, 0);
    await until(async () => {
      const r = await api.runs.get.query({ id: ids.bob });
      return r.points === total && r.status === 'finished';
    }, 20_000);
    await until(() => Date.now() - (lastEventAt.get(ids.bob) ?? 0) > 3000, 20_000, 200);
    return ids.bob;
  }

  async function open(pathAndQuery: string, viewport?: { width: number; height: number }): Promise<Opened> {
    const { context, page } = await newPage(browser, viewport);
    const problems = collectProblems(page);
    const o = { context, page, problems };
    opened.push(o);
    await page.goto(w.url + pathAndQuery);
    return o;
  }

  /** Fails on what the page reported while the test used it, then closes it (what closing cancels is not checked). */
  async function close(o: Opened, where: string): Promise<void> {
    const odd = o.problems.aborted.filter((u) => !EXPECTED_ABORTS.test(u));
    try {
      o.problems.assertNone(where);
      expect(odd, `unexpectedly aborted requests (${where})`).toEqual([]);
    } finally {
      opened.splice(opened.indexOf(o), 1);
      await o.context.close();
    }
  }

  const searchParam = (page: Page, k: string) => new URL(page.url()).searchParams.get(k);
  const hasData = (s: CanvasStats) => s.coloured >= MIN_DATA_PIXELS;
  /** moves the mouse off every chart so no tooltip is drawn into a canvas being hashed */
  const mouseAway = (page: Page) => page.mouse.move(2, 2);

  /** Sets a view checkbox (state in the URL): click, then wait until the box and the page agree. */
  async function setCheckbox(page: Page, testId: string, want: boolean): Promise<void> {
    const box = page.getByTestId(testId);
    if ((await box.isChecked()) !== want) await box.click();
    await until(async () => (await box.isChecked()) === want, 5000, 20);
  }

  /** drags across a chart from `from` to `to` (fractions of its canvas width) */
  async function dragZoom(page: Page, title: string, from: number, to: number): Promise<void> {
    const canvas = page.locator(chartSelector(title));
    await canvas.scrollIntoViewIfNeeded();
    const box = (await canvas.boundingBox())!;
    const y = box.y + box.height * 0.45;
    await page.mouse.move(box.x + box.width * from, y);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * to, y, { steps: 8 });
    await page.mouse.up();
    await mouseAway(page);
  }

  it('the runs table shows the empty state, then both jobs appear live with status, LRs and batch size', async () => {
    const o = await open('/');
    const { page } = o;
    await page.getByTestId('empty').waitFor();
    expect(await page.getByTestId('empty').innerText()).toContain('lrscope watch');
    await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
    const d = ensureDemos();
    const ids = await runIds();
    await bobSettled();
    // the table updates from the subscription: both rows, Bob finished, Alice running (with the pulse)
    const rowOf = (id: number) => page.locator(`tr[data-run-id="${id}"]`);
    await rowOf(ids.bob).locator('[data-status="finished"]').waitFor({ timeout: 10_000 });
    await rowOf(ids.alice).locator('[data-status="running"] .pulse').waitFor({ timeout: 10_000 });
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    const rows = await page.evaluate(() => {
      const heads = [...document.querySelectorAll('table[data-testid="runs"] thead th')].map((th) => th.textContent!.replace(/[▲▼]/g, '').trim());
      return [...document.querySelectorAll('table[data-testid="runs"] tbody tr')].map((tr) => {
        const cells = [...tr.querySelectorAll('td')].map((td) => td.textContent!.trim());
        const row: Record<string, string> = { id: tr.getAttribute('data-run-id')! };
        heads.forEach((h, i) => h && (row[h] = cells[i]));
        return row;
      });
    });
    expect(rows).toHaveLength(2);
    const a = rows.find((r) => r.id === String(ids.alice))!;
    const b = rows.find((r) => r.id === String(ids.bob))!;
    expect(a.name).toContain(d.alice.runName);
    expect(b.name).toContain(d.bob.runName);
    expect(a.status).toBe('running');
    expect(b.status).toBe('finished');
    expect(a.config).toBe('lama-fourier');
    expect([a['lr G'], a['lr D'], a.batch]).toEqual(['0.001', '1.00e-4', '10']);
    expect([b['lr G'], b['lr D'], b.batch]).toEqual(['0.004', '1.00e-4', '10']);
    expect(Number(b['step / epoch'].split('/')[0])).toBe(3999);
    expect(await horizontalOverflow(page)).toEqual([]);
    // selecting both rows enables Compare, which links to /compare?runs=…
    await rowOf(ids.alice).locator('input[type=checkbox]').check();
    await rowOf(ids.bob).locator('input[type=checkbox]').check();
    const href = await page.getByTestId('compare').getAttribute('href');
    expect(href).toMatch(/^\/compare\?runs=\d+,\d+$/);
    expect(href!.split('=')[1].split(',').map(Number).sort()).toEqual([ids.alice, ids.bob].sort());
    // the text filter, typed at full speed: every character lands although the input is bound to the URL
    const filter = page.getByTestId('runs-filter');
    await filter.pressSequentially('alice_20', { delay: 0 });
    await until(async () => (await page.locator('tbody tr[data-run-id]').count()) === 1, 5000, 50);
    expect(await filter.inputValue()).toBe('alice_20');
    expect(searchParam(page, 'q')).toBe('alice_20');
    expect(await page.locator(`tr[data-run-id="${ids.alice}"]`).count()).toBe(1);
    await close(o, 'runs table');
  });

  it('a run page draws every chart of its groups (canvas pixels)', async () => {
    const id = await bobSettled();
    const o = await open(`/runs/${id}`);
    const { page } = o;
    await page.getByTestId('run-page').waitFor();
    await mouseAway(page);
    const groups = ['group-gen', 'group-disc', 'group-valLoss', 'group-valQuality', 'group-buckets', 'group-gpu'];
    let charts = 0;
    for (const g of groups) {
      const titles = await page.$$eval(`section[data-testid="${g}"] .chart[data-title]`, (els) => els.map((e) => e.getAttribute('data-title')!));
      expect(titles.length, g).toBeGreaterThan(0);
      for (const t of titles) {
        // charts are built when they come near the viewport: bring each one there (its box stays, the placeholder in it is replaced)
        await page.evaluate(([sec, title]) => {
          const box = [...document.querySelectorAll(`section[data-testid="${sec}"] .chart[data-title]`)].find((e) => e.getAttribute('data-title') === title);
          (box?.closest('.slot') ?? box)?.scrollIntoView({ block: 'center' });
        }, [g, t] as const);
        const s = await waitForCanvas(page, `section[data-testid="${g}"] ${chartSelector(t)}`, hasData, { what: `showed data (${g} / ${t})` });
        expect(s.ink).toBeGreaterThan(s.coloured); // axes and labels too, not just the line
        charts++;
      }
    }
    expect(charts).toBeGreaterThanOrEqual(20);
    // header facts
    expect(await page.getByTestId('last-step').innerText()).toMatch(/^3999 \(epoch 20\.00\)/);
    // nothing widens the page (long Hydra overrides, config values, paths)
    await page.getByTestId('config').waitFor();
    expect(await horizontalOverflow(page)).toEqual([]);
    await close(o, 'run page');
  });

  it('LR overlay, smoothing, x-axis and log scale each change what is drawn and the URL', async () => {
    const id = await bobSettled();
    const o = await open(`/runs/${id}`);
    const { page } = o;
    const sel = chartSelector('train_gen_l1');
    await mouseAway(page);
    const initial = await waitForCanvas(page, sel, hasData, { what: 'showed data' });
    let prev = initial;
    const changed = async (what: string) => {
      const s = await waitForCanvas(page, sel, (x) => hasData(x) && x.hash !== prev.hash, { what: `changed after ${what}` });
      prev = s;
      return s;
    };

    // LR overlay (on by default on loss charts): off draws no LR line and no LR axis; on again is the same picture
    await setCheckbox(page, 'lr-overlay', false);
    await until(() => searchParam(page, 'lr') === '0', 5000, 50);
    await changed('LR overlay off');
    await setCheckbox(page, 'lr-overlay', true);
    await until(() => searchParam(page, 'lr') === null, 5000, 50);
    prev = await waitForCanvas(page, sel, (x) => x.hash === initial.hash, { what: 'returned to the LR-overlay picture' });

    // smoothing slider → `smooth`
    await page.getByTestId('smoothing').fill('0.9');
    await until(() => searchParam(page, 'smooth') === '0.9', 5000, 50);
    await changed('smoothing 0.9');
    await page.getByTestId('smoothing').fill('0');
    await until(() => searchParam(page, 'smooth') === '0', 5000, 50);
    await changed('smoothing 0');

    // x-axis: epoch and relative time are new queries; the picture changes with them
    for (const axis of ['epoch', 'relative'] as const) {
      const req = page.waitForRequest((r) => trpcInputs(r, 'metrics.series').some((i) => (i as { x?: string }).x === axis));
      await page.getByTestId('x-axis').selectOption(axis);
      await req;
      await until(() => searchParam(page, 'x') === axis, 5000, 50);
      await changed(`x-axis ${axis}`);
    }

    // log y
    await setCheckbox(page, 'log-y', true);
    await until(() => searchParam(page, 'log') === '1', 5000, 50);
    await changed('log y');
    await close(o, 'view toggles');
  });

  it('drag-to-zoom sets `zoom`, re-fetches the range at full resolution, and reset zoom clears it', async () => {
    const id = await bobSettled();
    const o = await open(`/runs/${id}`);
    const { page } = o;
    const sel = chartSelector('train_gen_l1');
    await mouseAway(page);
    const full = await waitForCanvas(page, sel, hasData, { what: 'showed data' });
    // each chart asks for its own data: the request of this chart's zoomed range
    const ranged = page.waitForRequest((r) => trpcInputs(r, 'metrics.series').some((i) => (i as { range?: unknown; tags: string[] }).range && (i as { tags: string[] }).tags.includes('train_gen_l1')));
    await dragZoom(page, 'train_gen_l1', 0.35, 0.65);
    const req = await ranged;
    const zoom = await until(() => searchParam(page, 'zoom'), 5000, 50);
    const [zmin, zmax] = zoom.split('~').map(Number);
    expect(zmin).toBeLessThan(zmax);
    // the chart spans steps 0…4000: a drag over its middle third is a range well inside it
    expect(zmin).toBeGreaterThan(400);
    expect(zmax).toBeLessThan(3600);
    const inputs = trpcInputs(req, 'metrics.series') as { tags: string[]; range?: { min: number; max: number }; maxPoints: number }[];
    const gen = inputs.find((i) => i.tags.includes('train_gen_l1'))!;
    expect(gen.range).toEqual({ min: zmin, max: zmax });
    const res = await req.response();
    expect(res!.status()).toBe(200);
    const zoomed = await waitForCanvas(page, sel, (x) => hasData(x) && x.hash !== full.hash, { what: 'changed after zoom' });
    expect(zoomed.hash).not.toBe(full.hash);
    // every chart of the page follows the zoom (the range is in the URL, shared by the groups)
    await page.getByTestId('reset-zoom').waitFor();
    await page.getByTestId('reset-zoom').click();
    await until(() => searchParam(page, 'zoom') === null, 5000, 50);
    await mouseAway(page);
    await waitForCanvas(page, sel, (x) => x.hash === full.hash, { what: 'returned to the full-range picture after reset zoom' });
    await close(o, 'zoom');
  });

  it('the compare page overlays both runs in two colours and shows their config diff', async () => {
    const ids = await runIds();
    await bobSettled();
    const o = await open(`/compare?runs=${ids.alice},${ids.bob}`);
    const { page } = o;
    await page.getByTestId('compare-page').waitFor();
    await mouseAway(page);
    const colors = runColors([ids.alice, ids.bob]); // colours follow the runs (their ids), not their order
    const [blue, orange] = [colors.get(ids.alice)!, colors.get(ids.bob)!];
    const s = await waitForCanvas(page, chartSelector('train_gen_l1'), (x) => x.near[blue] >= MIN_DATA_PIXELS && x.near[orange] >= MIN_DATA_PIXELS, {
      colors: [blue, orange], what: 'showed both runs in their colours',
    });
    expect(s.near[blue]).toBeGreaterThan(MIN_DATA_PIXELS);
    // legend chips name what differs
    const chips = await page.locator('[data-testid="legend"] .chip').allInnerTexts();
    expect(chips).toHaveLength(2);
    expect(chips[0]).toContain('lr_g=1e-3');
    expect(chips[1]).toContain('lr_g=4e-3');
    // chip colours are the line colours
    const chipColors = await page.$$eval('[data-testid="legend"] .chip i', (els) => els.map((e) => getComputedStyle(e).backgroundColor));
    const rgb = (hex: string) => `rgb(${parseInt(hex.slice(1, 3), 16)}, ${parseInt(hex.slice(3, 5), 16)}, ${parseInt(hex.slice(5, 7), 16)})`;
    expect(chipColors).toEqual([rgb(blue), rgb(orange)]);
    // the config diff: only differing keys, the generator LR among them
    const diff = page.getByTestId('config-diff');
    await diff.locator('code', { hasText: 'optimizers.generator.lr' }).waitFor();
    const lrRow = await diff.locator('tr', { has: page.locator('code', { hasText: /^optimizers\.generator\.lr$/ }) }).locator('td').allInnerTexts();
    expect(lrRow.slice(1)).toEqual(['0.001', '0.004']);
    expect(await diff.locator('code', { hasText: /^optimizers\.discriminator\.lr$/ }).count()).toBe(0);
    expect(await horizontalOverflow(page)).toEqual([]); // long paths in the diff wrap
    await page.screenshot({ path: path.join(shotsDir, 'compare.png') });
    await close(o, 'compare');
  });

  it('a point the job appends appears in the open run page within 2 s, without a reload', async () => {
    const { alice: a } = ensureDemos();
    const ids = await runIds();
    const o = await open(`/runs/${ids.alice}`);
    const { page } = o;
    await page.getByTestId('last-step').waitFor();
    await waitForCanvas(page, chartSelector('train_gen_l1'), hasData, { what: 'showed data' });
    await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
    const shownStep = () => page.getByTestId('last-step').innerText().then((t) => Number(/^\d+/.exec(t)?.[0] ?? -1));
    const maxWritten = () => Math.max(...[...a.written().values()].map((l) => l[l.length - 1]?.[0] ?? -1));
    const latencies: number[] = [];
    for (let k = 0; k < 3; k++) {
      // the moment a flush puts a new step on disk (the writer runs in this process: poll its file size)
      const before = maxWritten();
      let size = fs.statSync(a.eventFile).size;
      const step = await until(() => {
        const now = fs.statSync(a.eventFile).size;
        if (now === size) return null;
        size = now;
        const m = maxWritten();
        return m > before ? m : null;
      }, 5000, 5);
      const t0 = performance.now();
      const hashBefore = (await canvasStats(page, chartSelector('train_gen_l1')))!.hash;
      await page.waitForFunction(
        (s) => Number(/^\d+/.exec(document.querySelector('[data-testid="last-step"]')?.textContent ?? '')?.[0] ?? -1) >= s,
        step,
        { polling: 'raf', timeout: 5000 },
      );
      latencies.push(performance.now() - t0);
      expect(await shownStep()).toBeGreaterThanOrEqual(step);
      // the chart took the new points in place
      await waitForCanvas(page, chartSelector('train_gen_l1'), (x) => x.hash !== hashBefore, { what: 'redrew with the new points', timeoutMs: 3000, everyMs: 50 });
    }
    console.log(`live latency, written to disk → shown in the page: ${latencies.map((l) => `${l.toFixed(0)} ms`).join(', ')}`);
    for (const l of latencies) expect(l).toBeLessThan(2000);
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    // screenshot of the live run page (taller than the viewport: header, diagnosis, first groups)
    await page.setViewportSize({ width: 1400, height: 1700 });
    await mouseAway(page);
    await page.evaluate(() => window.scrollTo(0, 0));
    await waitForCanvas(page, chartSelector('train_discr_adv'), hasData, { what: 'showed data after resize' });
    await page.screenshot({ path: path.join(shotsDir, 'run.png') });
    // the tag search narrows every group to the matching charts (README screenshot)
    await page.getByTestId('tag-search').fill('/adv|lr/');
    await page.getByTestId('search-count').filter({ hasText: /\d+ of \d+/ }).waitFor();
    await waitForCanvas(page, chartSelector('train_discr_adv'), hasData, { what: 'showed data while searching' });
    await page.screenshot({ path: path.join(shotsDir, 'search.png') });
    await page.getByTestId('tag-search').fill('');
    await close(o, 'live run page');
    // and the runs table as it looks with a running and a finished job
    const t = await open('/');
    await t.page.locator(`tr[data-run-id="${ids.alice}"] [data-status="running"]`).waitFor();
    await t.page.locator(`tr[data-run-id="${ids.bob}"] [data-status="finished"]`).waitFor();
    await t.page.screenshot({ path: path.join(shotsDir, 'runs.png') });
    await close(t, 'runs table screenshot');
  });

  it('the URL restores a view after reload: x-axis, smoothing, log scale and zoom', async () => {
    const id = await bobSettled();
    const o = await open(`/runs/${id}`);
    const { page } = o;
    const sel = chartSelector('train_gen_l1');
    await mouseAway(page);
    const initial = await waitForCanvas(page, sel, hasData, { what: 'showed data' });
    await page.getByTestId('x-axis').selectOption('epoch');
    await page.getByTestId('smoothing').fill('0.9');
    await setCheckbox(page, 'log-y', true);
    await until(() => searchParam(page, 'x') === 'epoch' && searchParam(page, 'smooth') === '0.9' && searchParam(page, 'log') === '1', 5000, 50);
    await waitForCanvas(page, sel, (x) => hasData(x) && x.hash !== initial.hash, { what: 'changed with the view' });
    const ranged = page.waitForRequest((r) =>
      trpcInputs(r, 'metrics.series').some((i) => (i as { range?: unknown; x?: string; tags: string[] }).range && (i as { x?: string }).x === 'epoch' && (i as { tags: string[] }).tags.includes('train_gen_l1')),
    );
    await dragZoom(page, 'train_gen_l1', 0.3, 0.7);
    // the zoomed answer must have arrived (and then be drawn) before the picture counts as settled
    await (await ranged).response();
    const zoom = await until(() => searchParam(page, 'zoom'), 5000, 50);
    const [zmin, zmax] = zoom.split('~').map(Number);
    expect(zmin).toBeGreaterThan(2); // epochs 0…20
    expect(zmax).toBeLessThan(18);
    const view = await waitForCanvas(page, sel, hasData, { what: 'settled zoomed' });
    const url = page.url();

    await page.reload();
    await page.getByTestId('run-page').waitFor();
    await mouseAway(page);
    expect(page.url()).toBe(url);
    expect(await page.getByTestId('x-axis').inputValue()).toBe('epoch');
    expect(await page.getByTestId('smoothing').inputValue()).toBe('0.9');
    expect(await page.getByTestId('log-y').isChecked()).toBe(true);
    expect(await page.getByTestId('lr-overlay').isChecked()).toBe(true);
    await expect(page.getByTestId('reset-zoom').isVisible()).resolves.toBe(true);
    // the same picture, pixel for pixel
    await waitForCanvas(page, sel, (x) => x.hash === view.hash, { what: 'drew the restored view exactly as before the reload' });
    await close(o, 'URL restore');
  });

  // The live subscription once added an abort listener per 100 ms poll (38 MaxListenersExceededWarning
  // lines while a user browsed); after every page of this file has been open and closed, the server
  // process has printed none.
  it('the dashboard process warned of no listener leak while the pages above were browsed', () => {
    expect(w.output()).not.toMatch(/MaxListenersExceededWarning|memory leak/);
  });
});
