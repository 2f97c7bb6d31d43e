// The diagnosis in a real browser: a demo `oscillation` run's finding on the run page, its suggestion
// expanded (parameters, YAML, code), and the what-if LR drawn on the charts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Browser } from 'playwright-core';
import { freePort, startWatch, trpcClient, until, type WatchProc } from '../helpers/watchProcess';
import { launchBrowser, newPage, collectProblems, canvasStats, chartSelector, waitForCanvas, MIN_DATA_PIXELS } from '../helpers/browser';
import { startDemo } from '../../server/demo/demoWriter';

const WHAT_IF = '#e8590c';

describe('diagnosis on the run page', () => {
  let tmp: string;
  let w: WatchProc;
  let browser: Browser;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-e2e-diag-'));
    const project = path.join(tmp, 'project');
    fs.mkdirSync(project);
    [w, browser] = await Promise.all([startWatch([project, '--db', path.join(tmp, 'db.sqlite'), '--port', String(await freePort())]), launchBrowser()]);
    await startDemo({ dir: project, scenario: 'oscillation', speed: 200, steps: 8000, user: 'osc' }).done;
  });

  afterAll(async () => {
    await browser?.close();
    await w?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('shows the oscillation finding, its suggestion with YAML and code, and the what-if LR overlay', async () => {
    const api = trpcClient(w.url);
    const run = await until(async () => {
      const r = (await api.runs.list.query({})).rows.find((x) => x.name.startsWith('osc_'));
      return r && r.findings.warning > 0 ? r : null;
    }, 30_000);
    const { context, page } = await newPage(browser, { width: 1400, height: 1000 });
    const problems = collectProblems(page);
    // the runs table shows the counts by severity
    await page.goto(w.url);
    await page.locator(`tr[data-run-id="${run.id}"] [data-testid="finding-counts"] .badge.warning`).waitFor();

    await page.goto(`${w.url}/runs/${run.id}`);
    const finding = page.getByTestId('finding-oscillation');
    await finding.waitFor();
    expect(await finding.textContent()).toMatch(/alternat|oscillat/i);
    const suggestion = finding.getByTestId('suggestion').first();
    await suggestion.locator('summary').click();
    const config = (await suggestion.getByTestId('suggestion-config').textContent()) ?? '';
    const code = (await suggestion.getByTestId('suggestion-code').textContent()) ?? '';
    expect(config.length).toBeGreaterThan(10);
    expect(code).toMatch(/configure_optimizers|lr_scheduler|optimizer/);
    // the finding shades its step range on the charts of its metrics; the what-if LR is drawn on top
    const metric = (await api.findings.list.query({ runId: run.id })).find((f) => f.kind === 'oscillation')!.metrics.find((m) => m.startsWith('train_gen_'))!;
    const sel = chartSelector(metric);
    // a chart redraws while it is on screen (off-screen ones catch up when scrolled back): bring it there before reading it
    const show = (title: string) =>
      page.evaluate((t) => {
        const box = [...document.querySelectorAll('.chart[data-title]')].find((e) => e.getAttribute('data-title') === t);
        (box?.closest('.slot') ?? box)?.scrollIntoView({ block: 'center' });
      }, title);
    await show(metric);
    const before = await waitForCanvas(page, sel, (s) => s.coloured > MIN_DATA_PIXELS, { colors: [WHAT_IF], what: 'drew its data' });
    await suggestion.getByTestId('what-if').click(); // state lives in the URL: it flips once the URL did
    await page.waitForURL(/whatif=/);
    await show(metric);
    const after = await waitForCanvas(page, sel, (s) => s.hash !== before.hash, { colors: [WHAT_IF], what: 'changed for the what-if overlay' });
    expect(after.near[WHAT_IF]).toBeGreaterThan(before.near[WHAT_IF] + 20);
    // stock LaMa logs no LR: the learning-rate chart shows the config's LRs, and the what-if beside them
    const lrChart = chartSelector('learning rate (config)');
    await show('learning rate (config)');
    const lrStats = await waitForCanvas(page, lrChart, (s) => (s.near[WHAT_IF] ?? 0) > 20, { colors: [WHAT_IF], what: 'drew the what-if LR next to the config LR' });
    expect(lrStats.coloured).toBeGreaterThan(lrStats.near[WHAT_IF]);
    // unticking removes it again
    await suggestion.getByTestId('what-if').click();
    await page.waitForURL((u) => !u.search.includes('whatif='));
    await show(metric);
    await waitForCanvas(page, sel, (s) => (s.near[WHAT_IF] ?? 0) <= before.near[WHAT_IF] + 5, { colors: [WHAT_IF], what: 'dropped the what-if overlay' });
    expect(await canvasStats(page, sel)).not.toBeNull();
    problems.assertNone('run page with findings');
    await context.close();
  }, 90_000);
});
