// The run page with a LaMa run of 100 charts, in Chromium: search over every chart, collapsible groups
// and pins that survive a reload, charts built only near the viewport, a single point drawn as a marker,
// LaMa's NaN-by-rule buckets labelled as expected, the PNG export (2×, white, titled), dark mode, and the
// 404 pages. The run is written as a LaMa job leaves it and read by `lrscope watch` (the product's ingest).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { freePort, startWatch, trpcClient, until, type WatchProc } from '../helpers/watchProcess';
import { launchBrowser, newPage, collectProblems, canvasStats, chartSelector, waitForCanvas, horizontalOverflow, MIN_DATA_PIXELS, type Problems } from '../helpers/browser';
import { writeManyTagRun, ONE_IMAGE_BUCKET } from '../../scripts/bench/manyTagRun';
import { groupTags } from '../../app/_components/tagGroups';

const POINTS = 300;

describe('run page with 100 charts in Chromium', () => {
  let tmp: string;
  let w: WatchProc;
  let browser: Browser;
  let runId: number;
  let tags: string[];
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-e2e-runpage-'));
    const project = path.join(tmp, 'project');
    const run = writeManyTagRun(project, { points: POINTS });
    tags = run.tags;
    [w, browser] = await Promise.all([startWatch([project, '--db', path.join(tmp, 'db.sqlite'), '--port', String(await freePort())]), launchBrowser()]);
    const api = trpcClient(w.url);
    runId = await until(async () => {
      const r = (await api.runs.list.query({})).rows.find((x) => x.name === run.name);
      return r && r.points === (tags.length - 1) * POINTS + 1 ? r.id : null;
    }, 60_000);
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await w?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** A fresh context (its own localStorage) unless one is given. */
  async function open(url: string, ctx?: BrowserContext, colorScheme: 'light' | 'dark' = 'light'): Promise<{ context: BrowserContext; page: Page; problems: Problems }> {
    let context = ctx;
    let page: Page;
    if (context) page = await context.newPage();
    else {
      ({ context, page } = await newPage(browser));
      contexts.push(context);
    }
    await page.emulateMedia({ colorScheme });
    const problems = collectProblems(page);
    await page.goto(w.url + url);
    await page.getByTestId('run-page').waitFor();
    return { context, page, problems };
  }

  const slotTitles = (page: Page, scope = '') =>
    page.$$eval(`${scope} .slot > .chart[data-title]`, (els) => els.map((e) => e.getAttribute('data-title')!));
  const hasData = (s: { coloured: number }) => s.coloured >= MIN_DATA_PIXELS;
  /** Scrolls a chart's box into view (the box stays; the placeholder in it is replaced by the chart). */
  const reveal = (page: Page, title: string) =>
    page.evaluate((t) => {
      const box = [...document.querySelectorAll('.slot > .chart[data-title]')].find((e) => e.getAttribute('data-title') === t);
      if (!box) throw new Error(`no chart ${t}`);
      box.closest('.slot')!.scrollIntoView({ block: 'center' });
    }, title);
  async function drawn(page: Page, title: string) {
    await reveal(page, title);
    return waitForCanvas(page, chartSelector(title), hasData, { what: `showed data (${title})` });
  }

  it('every tag is a chart (no cap); only charts near the viewport are built, in boxes of their final height', async () => {
    const { page, problems } = await open(`/runs/${runId}`);
    expect((await slotTitles(page)).sort()).toEqual([...tags].sort());
    // the "Other" group holds all its charts (it showed 24 of 41 before), train/loss among them
    const other = groupTags(tags).find((g) => g.id === 'other')!;
    expect(await slotTitles(page, 'section[data-testid="group-other"]')).toEqual(other.tags);
    expect(other.tags).toContain('train/loss');
    expect(await page.locator('[data-testid="jump-list"] a[data-group="other"] .count').innerText()).toBe(String(other.tags.length));
    await drawn(page, 'train_gen_l1');
    const built = await page.locator('.chart canvas').count();
    expect(built).toBeGreaterThan(0);
    expect(built).toBeLessThan(40);
    // scrolling to the last chart builds it; its box did not change height when the chart replaced the placeholder
    const last = other.tags[other.tags.length - 1];
    const slot = page.locator(`section[data-testid="group-other"] .slot`).last();
    const before = (await slot.boundingBox())!.height;
    const s = await drawn(page, last);
    expect(s.ink).toBeGreaterThan(s.coloured);
    expect((await slot.boundingBox())!.height).toBe(before);
    expect(await page.locator(`.slot > .chart[data-title="${last}"]`).evaluate((e) => e.getBoundingClientRect().height)).toBeLessThanOrEqual(before + 0.5);
    expect(await horizontalOverflow(page)).toEqual([]);
    problems.assertNone('run page');
  });

  it('a smoothing change redraws the charts on screen only; an off-screen chart catches up when it is scrolled back', async () => {
    const { page, problems } = await open(`/runs/${runId}`);
    const top = chartSelector('train_gen_l1');
    const before = await drawn(page, 'train_gen_l1');
    const other = groupTags(tags).find((g) => g.id === 'other')!;
    const far = other.tags[other.tags.length - 1];
    const farBefore = await drawn(page, far); // scrolled to the end: train_gen_l1 is far off-screen, still built
    expect(await page.locator(top).count()).toBe(1);
    // drag the slider across its range (many input events), ending at 0.95
    const box = (await page.getByTestId('smoothing').boundingBox())!;
    await page.mouse.move(box.x + 2, box.y + box.height / 2);
    await page.mouse.down();
    for (let i = 1; i <= 30; i++) await page.mouse.move(box.x + 2 + ((box.width - 4) * i) / 30, box.y + box.height / 2);
    await page.mouse.up();
    await page.getByTestId('smoothing').fill('0.95');
    await until(() => new URL(page.url()).searchParams.get('smooth') === '0.95', 5000, 50);
    await waitForCanvas(page, chartSelector(far), (x) => hasData(x) && x.hash !== farBefore.hash, { what: 'redrew with the new smoothing (on screen)' });
    // the chart off-screen was not redrawn …
    expect((await canvasStats(page, top))!.hash).toBe(before.hash);
    // … until it is on screen again
    await drawn(page, 'train_gen_l1');
    await waitForCanvas(page, top, (x) => hasData(x) && x.hash !== before.hash, { what: 'redrew with the new smoothing once scrolled back' });
    problems.assertNone('smoothing on screen only');
  });

  it('search finds a chart among 100 (text and /regex/), across every group, and is kept in the URL', async () => {
    const { page, problems } = await open(`/runs/${runId}`);
    await page.getByTestId('tag-search').fill('aux_42');
    await until(async () => (await slotTitles(page)).join() === 'extra/aux_42', 10_000, 50);
    expect(await page.getByTestId('search-count').innerText()).toMatch(/^1 of 100 charts match/);
    expect(new URL(page.url()).searchParams.get('q')).toBe('aux_42');
    await drawn(page, 'extra/aux_42');

    await page.getByTestId('tag-search').fill('/^train[_/](loss|gen_l1)$/');
    await until(async () => (await slotTitles(page)).sort().join() === 'train/loss,train_gen_l1', 10_000, 50);
    await drawn(page, 'train/loss');
    // groups without a match are left out, the jump list says how many match in each
    expect(await page.locator('section[data-testid="group-disc"]').count()).toBe(0);
    expect(await page.locator('[data-testid="jump-list"] a[data-group="gen"] .count').innerText()).toBe('1/4');

    // the regex toggle: the same text as a pattern
    await page.getByTestId('tag-search').fill('aux_0[0-2]');
    await until(async () => (await slotTitles(page)).length === 0, 10_000, 50);
    await page.getByTestId('tag-regex').check();
    await until(async () => (await slotTitles(page)).join() === 'extra/aux_00,extra/aux_01,extra/aux_02', 10_000, 50);
    expect(new URL(page.url()).searchParams.get('re')).toBe('1');
    problems.assertNone('search');
  });

  it('a collapsed group stays collapsed after a reload, and on the next visit without the URL (localStorage)', async () => {
    const { context, page, problems } = await open(`/runs/${runId}`);
    const gen = page.locator('section[data-testid="group-gen"]');
    expect(await gen.locator('.slot').count()).toBe(4);
    await gen.getByTestId('fold').click();
    await until(async () => (await gen.locator('.slot').count()) === 0, 10_000, 50);
    expect(await gen.getByTestId('fold').getAttribute('aria-expanded')).toBe('false');
    await until(() => new URL(page.url()).searchParams.get('fold') === 'gen', 5000, 50);
    await page.reload();
    await page.getByTestId('run-page').waitFor();
    expect(await gen.getByTestId('fold').getAttribute('aria-expanded')).toBe('false');
    expect(await gen.locator('.slot').count()).toBe(0);
    // another tab of the same browser, the bare address
    const again = await open(`/runs/${runId}`, context);
    const gen2 = again.page.locator('section[data-testid="group-gen"]');
    await until(async () => (await gen2.getByTestId('fold').getAttribute('aria-expanded')) === 'false', 10_000, 50);
    expect(await gen2.locator('.slot').count()).toBe(0);
    expect(new URL(again.page.url()).searchParams.get('fold')).toBe('gen');
    // the jump list opens it again
    await again.page.locator('[data-testid="jump-list"] a[data-group="gen"]').click();
    await until(async () => (await gen2.locator('.slot').count()) === 4, 10_000, 50);
    problems.assertNone('collapse');
    again.problems.assertNone('collapse, second tab');
  });

  it('a pinned chart is on top of the page, also after a reload and on the next visit', async () => {
    const { context, page, problems } = await open(`/runs/${runId}`);
    const tag = 'extra/aux_07';
    await reveal(page, tag);
    await page.locator(`.chart[data-title="${tag}"] [data-testid="pin"]`).click();
    const pinnedFirst = async (p: Page) => {
      const order = await p.$$eval('.run-main > section[data-testid]', (els) => els.map((e) => e.getAttribute('data-testid')));
      return order[0] === 'group-pinned' && (await slotTitles(p, 'section[data-testid="group-pinned"]')).join() === tag;
    };
    await until(() => pinnedFirst(page), 10_000, 50);
    // it left its group (one chart per tag on the page)
    expect(await slotTitles(page, 'section[data-testid="group-other"]')).not.toContain(tag);
    await page.reload();
    await page.getByTestId('run-page').waitFor();
    expect(await pinnedFirst(page)).toBe(true);
    await drawn(page, tag);
    const again = await open(`/runs/${runId}`, context);
    await until(() => pinnedFirst(again.page), 10_000, 50);
    expect(new URL(again.page.url()).searchParams.get('pin')).toBe(tag);
    problems.assertNone('pin');
    again.problems.assertNone('pin, second tab');
  });

  it('a single-point series (hp_metric) is drawn as a marker, with its value named', async () => {
    const { page, problems } = await open(`/runs/${runId}?q=hp_metric`);
    await until(async () => (await slotTitles(page)).join() === 'hp_metric', 10_000, 50);
    await reveal(page, 'hp_metric');
    // a marker: a blob of the series colour, not a line (a line across the plot has hundreds of pixels)
    const s = await waitForCanvas(page, chartSelector('hp_metric'), (x) => x.coloured >= 20, { what: 'drew a marker' });
    expect(s.coloured).toBeLessThan(MIN_DATA_PIXELS);
    expect(await page.locator('.chart[data-title="hp_metric"] [data-testid="single-point"]').innerText()).toBe('one value: -1 at step 0');
    // the marker sits in the middle of the plot, where its single tick is
    const where = await page.evaluate((sel) => {
      const c = document.querySelector(sel) as HTMLCanvasElement;
      // read a copy (the chart's own context is left alone)
      const copy = document.createElement('canvas');
      copy.width = c.width;
      copy.height = c.height;
      const cx = copy.getContext('2d', { willReadFrequently: true })!;
      cx.drawImage(c, 0, 0);
      const d = cx.getImageData(0, 0, c.width, c.height).data;
      let sx = 0, n = 0;
      for (let i = 0; i < d.length; i += 4) {
        if (d[i + 3] > 100 && Math.max(d[i], d[i + 1], d[i + 2]) - Math.min(d[i], d[i + 1], d[i + 2]) > 60) {
          sx += (i / 4) % c.width;
          n++;
        }
      }
      return { x: sx / n / c.width, n };
    }, chartSelector('hp_metric'));
    expect(where.x).toBeGreaterThan(0.3);
    expect(where.x).toBeLessThan(0.7);
    problems.assertNone('single point');
  });

  it("LaMa's NaN-by-rule bucket (FID of a one-image bucket) is labelled expected, not as a non-finite warning", async () => {
    const tag = `val_fid_${ONE_IMAGE_BUCKET}_mean`;
    const { page, problems } = await open(`/runs/${runId}?q=${encodeURIComponent(ONE_IMAGE_BUCKET)}`);
    const box = page.locator(`.slot > .chart[data-title="${tag}"]`);
    await reveal(page, tag);
    await box.getByTestId('expected-nan').waitFor();
    expect(await box.getByTestId('expected-nan').innerText()).toBe(`${POINTS} NaN (expected: one-image bucket)`);
    expect(await box.getByTestId('non-finite').count()).toBe(0);
    // the stds of that bucket too; nothing on the page carries a red non-finite badge
    expect(await page.locator('[data-testid="non-finite"]').count()).toBe(0);
    problems.assertNone('expected NaN');
  });

  it('PNG export: 2× the chart, white background, title and run name above it', async () => {
    const { page, problems } = await open(`/runs/${runId}`);
    await drawn(page, 'train_gen_l1');
    const css = await page.locator(chartSelector('train_gen_l1')).evaluate((c) => ({ w: c.getBoundingClientRect().width, h: c.getBoundingClientRect().height }));
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('.chart[data-title="train_gen_l1"] [data-testid="export-png"]').click()]);
    expect(download.suggestedFilename()).toBe('train_gen_l1.png');
    const png = readPng(fs.readFileSync((await download.path())!));
    expect(Math.abs(png.width - css.w * 2)).toBeLessThanOrEqual(2);
    expect(Math.abs(png.height - (css.h + 44) * 2)).toBeLessThanOrEqual(2); // a 44 px header: the title, the run's name
    expect(png.pixel(0, 0)).toEqual([255, 255, 255, 255]);
    expect(png.pixel(png.width - 1, png.height - 1)).toEqual([255, 255, 255, 255]);
    // the header has dark text on it (title), the plot has the series drawn in colour
    expect(png.countRows(0, 40, (r, g, b) => r < 120 && g < 120 && b < 120)).toBeGreaterThan(50);
    expect(png.countRows(88, png.height, (r, g, b) => Math.max(r, g, b) - Math.min(r, g, b) > 60)).toBeGreaterThan(2 * MIN_DATA_PIXELS);
    problems.assertNone('png');
  });

  it('dark mode follows the system setting: page colours and the charts’ ticks and grid', async () => {
    const { page, problems } = await open(`/runs/${runId}`);
    const sel = chartSelector('train_gen_l1');
    await drawn(page, 'train_gen_l1');
    const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const inkTone = () =>
      page.evaluate((s) => {
        const c = document.querySelector(s) as HTMLCanvasElement;
        const copy = document.createElement('canvas');
        copy.width = c.width;
        copy.height = c.height;
        const cx = copy.getContext('2d', { willReadFrequently: true })!;
        cx.drawImage(c, 0, 0);
        const d = cx.getImageData(0, 0, c.width, c.height).data;
        let light = 0, dark = 0;
        for (let i = 0; i < d.length; i += 4) {
          const [r, g, b, a] = [d[i], d[i + 1], d[i + 2], d[i + 3]];
          if (a < 200 || Math.max(r, g, b) - Math.min(r, g, b) > 30) continue; // opaque grey: tick labels, axes
          if ((r + g + b) / 3 > 140) light++;
          else dark++;
        }
        return { light, dark };
      }, sel);
    expect(await bg()).toBe('rgb(255, 255, 255)');
    const lightTone = await inkTone();
    expect(lightTone.dark).toBeGreaterThan(lightTone.light);
    const lightHash = (await canvasStats(page, sel))!.hash;

    await page.emulateMedia({ colorScheme: 'dark' });
    await until(async () => (await bg()) !== 'rgb(255, 255, 255)', 5000, 50);
    const [r, g, b] = (await bg()).match(/\d+/g)!.map(Number);
    expect((r + g + b) / 3).toBeLessThan(40);
    await waitForCanvas(page, sel, (x) => hasData(x) && x.hash !== lightHash, { what: 'redrew in dark colours' });
    const darkTone = await inkTone();
    expect(darkTone.light).toBeGreaterThan(darkTone.dark);
    // and back
    await page.emulateMedia({ colorScheme: 'light' });
    await waitForCanvas(page, sel, (x) => x.hash === lightHash, { what: 'returned to the light picture' });
    problems.assertNone('dark mode');
  });

  it('404 pages: /runs/abc and /runs/<missing id> are a 404 from the server that says what is wrong, with a link back', async () => {
    const { context, page } = await newPage(browser);
    contexts.push(context);
    const asked: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/api/trpc/')) asked.push(r.url());
    });
    for (const [url, text] of [
      ['/runs/abc', 'abc is not a run id'],
      ['/runs/99999', 'no run 99999'],
      ['/no-such-page', 'Nothing here'],
    ] as const) {
      const res = await page.goto(w.url + url);
      // the server knows at once (no "Loading…" while the browser asks for the run)
      expect(res!.status(), url).toBe(404);
      expect(await res!.text(), url).not.toContain('Loading…');
      expect(await page.locator('[data-testid="not-found"] h1').innerText()).toBe(text);
      expect(asked, url).toEqual([]);
      expect(await page.getByTestId('back-to-runs').getAttribute('href')).toBe('/');
    }
    await page.getByTestId('back-to-runs').click();
    await page.waitForURL(`${w.url}/`);
    await page.locator('table[data-testid="runs"]').waitFor();
  });
});

/** The size and pixels of an 8-bit RGB / RGBA PNG (every filter type undone). */
function readPng(buf: Buffer) {
  let off = 8;
  let width = 0, height = 0, type = 0;
  const idat: Buffer[] = [];
  while (off < buf.length) {
    const len = buf.readUInt32BE(off);
    const kind = buf.toString('latin1', off + 4, off + 8);
    const data = buf.subarray(off + 8, off + 8 + len);
    if (kind === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      if (data[8] !== 8) throw new Error(`bit depth ${data[8]}`);
      type = data[9];
    } else if (kind === 'IDAT') idat.push(data);
    off += 12 + len;
  }
  const bpp = type === 6 ? 4 : type === 2 ? 3 : 0;
  if (!bpp) throw new Error(`colour type ${type}`);
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = width * bpp;
  const px = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const v = raw[y * (stride + 1) + 1 + x];
      const a = x >= bpp ? px[y * stride + x - bpp] : 0;
      const b = y > 0 ? px[(y - 1) * stride + x] : 0;
      const c = x >= bpp && y > 0 ? px[(y - 1) * stride + x - bpp] : 0;
      let pred = 0;
      if (f === 1) pred = a;
      else if (f === 2) pred = b;
      else if (f === 3) pred = (a + b) >> 1;
      else if (f === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      px[y * stride + x] = (v + pred) & 255;
    }
  }
  const pixel = (x: number, y: number) => {
    const i = y * stride + x * bpp;
    return bpp === 4 ? [px[i], px[i + 1], px[i + 2], px[i + 3]] : [px[i], px[i + 1], px[i + 2], 255];
  };
  return {
    width,
    height,
    pixel,
    /** pixels in rows [y0, y1) for which pred holds */
    countRows(y0: number, y1: number, pred: (r: number, g: number, b: number) => boolean): number {
      let n = 0;
      for (let y = y0; y < Math.min(y1, height); y++) for (let x = 0; x < width; x++) {
        const [r, g, b] = pixel(x, y);
        if (pred(r, g, b)) n++;
      }
      return n;
    },
  };
}
