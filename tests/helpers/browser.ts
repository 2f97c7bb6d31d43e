// Headless Chromium (Debian's, driven by playwright-core) for the dashboard tests and the UI benchmark:
// launching it, reading what a chart canvas shows (ink, colours, a hash of its pixels), and collecting
// every console error, page error and failed HTTP response so a test can fail on them.
import { chromium, type Browser, type BrowserContext, type Page, type Request } from 'playwright-core';

export const CHROMIUM = process.env.LRSCOPE_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** A fresh browser (playwright gives it a fresh, temporary user-data-dir). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 30_000 });
}

export async function newPage(browser: Browser, viewport = { width: 1400, height: 900 }): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  const page = await context.newPage();
  return { context, page };
}

// ---- problems -------------------------------------------------------------------------------------

export interface Problems {
  /** everything seen so far, oldest first */
  list: string[];
  /** throws when anything was seen (and forgets it, so one failure is reported once) */
  assertNone(where?: string): void;
}

/**
 * Collects console errors and warnings, uncaught page errors, HTTP responses ≥ 400 and failed requests.
 * Nothing is ignored silently: the only requests allowed to fail are the ones a navigation or reload
 * cancels on purpose (net::ERR_ABORTED of a request started by the page being left), and each of
 * those is still counted in `aborted` so a test can look at them.
 */
export function collectProblems(page: Page): Problems & { aborted: string[] } {
  const list: string[] = [];
  const aborted: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') list.push(`console.${m.type()}: ${m.text()} (${m.location().url}:${m.location().lineNumber})`);
  });
  page.on('pageerror', (e) => list.push(`page error: ${e.stack ?? e.message}`));
  page.on('response', (r) => {
    if (r.status() >= 400) list.push(`HTTP ${r.status()} ${r.request().method()} ${r.url()}`);
  });
  page.on('requestfailed', (r) => {
    const why = r.failure()?.errorText ?? 'unknown';
    if (why === 'net::ERR_ABORTED') aborted.push(r.url());
    else list.push(`request failed (${why}): ${r.method()} ${r.url()}`);
  });
  return {
    list,
    aborted,
    assertNone(where = '') {
      if (!list.length) return;
      const msg = `browser problems${where ? ` (${where})` : ''}:\n  ${list.join('\n  ')}`;
      list.length = 0;
      throw new Error(msg);
    },
  };
}

// ---- canvases -------------------------------------------------------------------------------------

export interface CanvasStats {
  width: number;
  height: number;
  /** pixels that are neither transparent nor (near-)white: data, axes, grid, labels */
  ink: number;
  /** saturated pixels (max − min channel > 60): the data lines; the grid, ticks and labels are grey */
  coloured: number;
  /** FNV-1a of every pixel's RGBA */
  hash: string;
  /** pixels within ±40 per channel of each requested colour (opaque enough to be a line, not a halo) */
  near: Record<string, number>;
}

/** CSS selector of the canvas of the chart titled `title` (LineChart puts data-title on its box). */
export function chartSelector(title: string): string {
  return `.chart[data-title="${title.replace(/"/g, '\\"')}"] canvas`;
}

/**
 * Reads a canvas' pixels in the page. `colors` are '#rrggbb' strings to count pixels of.
 * Returns null when no such canvas is in the page (yet).
 */
export async function canvasStats(page: Page, selector: string, colors: string[] = []): Promise<CanvasStats | null> {
  return page.evaluate(
    ([sel, cols]) => {
      const c = document.querySelector(sel) as HTMLCanvasElement | null;
      if (!c || !c.width || !c.height) return null;
      // read a copy, through a context made for reading back, so the chart's own context is left as
      // it is (and Chrome does not warn about repeated getImageData on it)
      const holder = window as unknown as { __lrscopeReadback?: HTMLCanvasElement };
      const copy = (holder.__lrscopeReadback ??= document.createElement('canvas'));
      copy.width = c.width;
      copy.height = c.height;
      const ctx = copy.getContext('2d', { willReadFrequently: true });
      if (!ctx) return null;
      ctx.clearRect(0, 0, c.width, c.height);
      ctx.drawImage(c, 0, 0);
      const d = ctx.getImageData(0, 0, c.width, c.height).data;
      const want = cols.map((h) => {
        const n = parseInt(h.slice(1), 16);
        return [n >> 16, (n >> 8) & 255, n & 255];
      });
      const near = new Array<number>(want.length).fill(0);
      let ink = 0;
      let coloured = 0;
      let h = 0x811c9dc5;
      for (let i = 0; i < d.length; i += 4) {
        const r = d[i];
        const g = d[i + 1];
        const b = d[i + 2];
        const a = d[i + 3];
        h = Math.imul(h ^ r, 0x01000193);
        h = Math.imul(h ^ g, 0x01000193);
        h = Math.imul(h ^ b, 0x01000193);
        h = Math.imul(h ^ a, 0x01000193);
        if (a < 16) continue;
        if (r > 245 && g > 245 && b > 245) continue;
        ink++;
        if (Math.max(r, g, b) - Math.min(r, g, b) > 60 && a > 100) coloured++;
        if (a < 160) continue;
        for (let k = 0; k < want.length; k++) {
          const [wr, wg, wb] = want[k];
          if (Math.abs(r - wr) <= 40 && Math.abs(g - wg) <= 40 && Math.abs(b - wb) <= 40) near[k]++;
        }
      }
      return {
        width: c.width,
        height: c.height,
        ink,
        coloured,
        hash: (h >>> 0).toString(16).padStart(8, '0'),
        near: Object.fromEntries(cols.map((col, k) => [col, near[k]])),
      };
    },
    [selector, colors] as const,
  );
}

/** Stats of every chart canvas in the page, keyed by chart title, in page order. */
export async function allChartStats(page: Page): Promise<{ title: string; stats: CanvasStats | null }[]> {
  const titles = await page.$$eval('.chart[data-title]', (els) => els.map((e) => e.getAttribute('data-title') ?? ''));
  const out: { title: string; stats: CanvasStats | null }[] = [];
  for (const t of titles) out.push({ title: t, stats: await canvasStats(page, chartSelector(t)) });
  return out;
}

/** A chart shows data when at least this many of its pixels are saturated (a drawn line). */
export const MIN_DATA_PIXELS = 300;

/**
 * Polls (every `everyMs`) until `pred` holds for the canvas, then until its pixels stop changing
 * (two reads `everyMs` apart with the same hash) so a follow-up redraw (fresh data replacing
 * placeholder data) is not mistaken for the final picture. Returns the settled stats.
 */
export async function waitForCanvas(
  page: Page,
  selector: string,
  pred: (s: CanvasStats) => boolean,
  opts: { timeoutMs?: number; everyMs?: number; colors?: string[]; what?: string } = {},
): Promise<CanvasStats> {
  const end = Date.now() + (opts.timeoutMs ?? 15_000);
  const every = opts.everyMs ?? 120;
  let last: CanvasStats | null = null;
  let prevHash: string | null = null;
  while (Date.now() < end) {
    last = await canvasStats(page, selector, opts.colors);
    if (last && pred(last)) {
      if (last.hash === prevHash) return last;
      prevHash = last.hash;
    } else prevHash = null;
    await page.waitForTimeout(every);
  }
  throw new Error(`canvas ${selector} never ${opts.what ?? 'matched'} (last: ${JSON.stringify(last)})`);
}

// ---- tRPC requests --------------------------------------------------------------------------------

/** The inputs of every call to `procedure` in a (batched, GET or POST) tRPC request; [] when it has none. */
export function trpcInputs(req: Request, procedure: string): unknown[] {
  const u = new URL(req.url());
  const m = /\/api\/trpc\/([^?]+)/.exec(u.pathname);
  if (!m) return [];
  const procs = decodeURIComponent(m[1]).split(',');
  if (!procs.includes(procedure)) return [];
  let raw: string | null = u.searchParams.get('input');
  if (raw === null && req.method() === 'POST') raw = req.postData();
  if (raw === null) return [];
  const parsed = JSON.parse(raw) as unknown;
  const batched = u.searchParams.get('batch') === '1';
  const all = batched ? procs.map((_, i) => (parsed as Record<string, unknown>)[String(i)]) : [parsed];
  return all.filter((_, i) => procs[i] === procedure).map((x) => (x && typeof x === 'object' && 'json' in x ? (x as { json: unknown }).json : x));
}

/** Elements that stick out to the right of the viewport (the page would scroll sideways); [] when none. */
export async function horizontalOverflow(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth <= width) return [];
    return [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > width + 1)
      .slice(0, 5)
      .map((e) => `${e.tagName.toLowerCase()}${e.className ? `.${String(e.className).replace(/ /g, '.')}` : ''} (right edge ${Math.round(e.getBoundingClientRect().right)} px > ${width}): ${(e.textContent ?? '').slice(0, 60)}`);
  });
}
