// Time to first chart in headless Chromium: from navigation start until the first chart canvas strokes
// its data (a line in a saturated colour inside .chart: grid, ticks and axes are grey), and until every
// chart canvas of the page has. An init script wraps CanvasRenderingContext2D.stroke before any page
// script runs (the same idea as bench:ui's probe). For bench:scale.
// Chromium is launched by the one helper the browser tests and bench:ui use (tests/helpers/browser.ts).
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../../tests/helpers/browser';

/**
 * In-page source of `saturated(style)`: a stroke colour of a data line (grid, ticks and axes are grey). Shared
 * by the probes here and in bench:ui.
 */
export const SATURATED = `const saturated = (s) => {
    let r, g, b;
    if (s.length === 7 && s[0] === '#') { const n = parseInt(s.slice(1), 16); r = n >> 16; g = (n >> 8) & 255; b = n & 255; }
    else { const m = /rgba?\\(\\s*(\\d+)[,\\s]+(\\d+)[,\\s]+(\\d+)/.exec(s); if (!m) return false; r = +m[1]; g = +m[2]; b = +m[3]; }
    return Math.max(r, g, b) - Math.min(r, g, b) > 60;
  };`;

const PROBE = `(() => {
  const st = { first: 0, all: 0, canvases: new Set() };
  window.__chart = st;
  ${SATURATED}
  const stroke = CanvasRenderingContext2D.prototype.stroke;
  CanvasRenderingContext2D.prototype.stroke = function () {
    const out = stroke.apply(this, arguments);
    const s = this.strokeStyle;
    if (typeof s === 'string' && saturated(s) && this.canvas.closest && this.canvas.closest('.chart')) {
      const now = performance.now();
      if (!st.first) st.first = now;
      st.canvases.add(this.canvas);
      if (!st.all && st.canvases.size >= document.querySelectorAll('.chart canvas').length) st.all = now;
    }
    return out;
  };
})();`;

export interface ChartTiming {
  /** navigation start → first chart drawn, ms */
  first: number;
  /** navigation start → every chart of the page drawn, ms (null if not within the timeout) */
  all: number | null;
  charts: number;
}

/** Debian's Chromium, headless, as every browser test and benchmark launches it. */
export function launch(): Promise<Browser> {
  return launchBrowser();
}

/** One fresh page load (new context: no cache). */
export async function timeToFirstChart(browser: Browser, url: string, timeoutMs = 60_000): Promise<ChartTiming> {
  // bypassCSP: the dashboard's CSP has no 'unsafe-eval', and Playwright evaluates the wait predicates as strings
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, bypassCSP: true });
  try {
    await context.addInitScript({ content: PROBE });
    const page = await context.newPage();
    await page.goto(url, { waitUntil: 'commit' });
    await page.waitForFunction('window.__chart && window.__chart.first > 0', undefined, { timeout: timeoutMs, polling: 20 });
    let all: number | null = null;
    try {
      await page.waitForFunction('window.__chart.all > 0', undefined, { timeout: 15_000, polling: 50 });
      all = (await page.evaluate('window.__chart.all')) as number;
    } catch {
      all = null;
    }
    const first = (await page.evaluate('window.__chart.first')) as number;
    const charts = (await page.evaluate("document.querySelectorAll('.chart canvas').length")) as number;
    return { first, all, charts };
  } finally {
    await context.close();
  }
}
