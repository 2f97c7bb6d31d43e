// The run page in a real browser, on the real lrramp run of the lama-devset (validations whose metrics
// all went NaN): the diagnosis panel's evidence as a readable signals table with the raw JSON behind a
// toggle, the fallback for findings stored without signals, and the all-NaN validations in the
// validation-table view. The findings are written directly (the detectors are not under test), and
// the dashboard watches an empty folder so no diagnosis replaces them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Browser } from 'playwright-core';
import { freePort, startWatch, type WatchProc } from '../helpers/watchProcess';
import { launchBrowser, newPage, collectProblems } from '../helpers/browser';
import { FIXTURES } from '../helpers/fixtures';
import { openDb } from '../../server/db/open';
import { Store } from '../../server/db/store';
import { ingestPaths } from '../../server/ingest/ingest';
import { saveFindings } from '../../server/db/findings';
import type { Finding } from '../../server/analysis/types';

const RUN = 't.nguyen_2026-12-01_13-04-34_train_lama-tiny32_lrramp_';

const WITH_SIGNALS: Finding = {
  kind: 'plateau',
  severity: 'warning',
  metrics: ['val_ssim_total_mean'],
  startStep: 399,
  endStep: 899,
  summary: 'Test finding with signals.',
  evidence: {
    window: 5,
    signals: [
      { signal: 'val_ssim_total_mean relative change over the window', value: 0.0123456, threshold: '< 0.02', step: 899, fired: true },
      { signal: 'LR decayed to its floor', value: 'no', threshold: 'LR ≤ 2% of max', step: null, fired: false },
      { signal: '<b>val_fid_total_mean</b> level', value: 1386.531003, threshold: '> 1000', step: 1399, fired: true },
    ],
  },
  suggestions: [],
};

const WITHOUT_SIGNALS: Finding = {
  kind: 'divergence',
  severity: 'critical',
  metrics: ['val_fid_total_mean'],
  startStep: 999,
  endStep: 1399,
  summary: 'Test finding stored before signals existed.',
  evidence: { firstNonFinite: 999, ratio: 3.14159, tag: 'val_fid_total_mean', window: [999, 1399] },
  suggestions: [],
};

describe('evidence panel and all-NaN validations on the run page', () => {
  let tmp: string;
  let w: WatchProc;
  let browser: Browser;
  let runId: number;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-e2e-evidence-'));
    const project = path.join(tmp, 'lama-runs');
    for (const sub of ['experiments', 'tb_logs']) {
      fs.cpSync(path.join(FIXTURES, 'lama-devset', sub, RUN), path.join(project, sub, RUN), { recursive: true });
    }
    const db = path.join(tmp, 'db.sqlite');
    const h = openDb(db);
    try {
      const s = ingestPaths(new Store(h), [project]);
      runId = s.runs[0].id;
      saveFindings(h.sqlite, runId, [WITH_SIGNALS, WITHOUT_SIGNALS]);
    } finally {
      h.close();
    }
    const empty = path.join(tmp, 'watched');
    fs.mkdirSync(empty);
    [w, browser] = await Promise.all([startWatch([empty, '--db', db, '--port', String(await freePort())]), launchBrowser()]);
  });

  afterAll(async () => {
    await browser?.close();
    await w?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('shows the signals as a table, the raw JSON only after the toggle, and scalar fields for older findings', async () => {
    const { context, page } = await newPage(browser, { width: 1400, height: 1000 });
    const problems = collectProblems(page);
    await page.goto(`${w.url}/runs/${runId}`);

    const finding = page.getByTestId('finding-plateau');
    await finding.waitFor();
    const rows = finding.getByTestId('signal-row');
    expect(await rows.count()).toBe(3);
    const cells = async (i: number) => (await rows.nth(i).locator('td').allTextContents()).map((t) => t.trim());
    expect(await cells(0)).toEqual(['val_ssim_total_mean relative change over the window', '0.01235', '< 0.02', '899', '✓ fired']);
    expect(await cells(1)).toEqual(['LR decayed to its floor', 'no', 'LR ≤ 2% of max', '—', 'not fired']);
    // text stays text: the tag-like signal name is shown literally, not parsed as markup
    expect(await cells(2)).toEqual(['<b>val_fid_total_mean</b> level', '1387', '> 1000', '1,399', '✓ fired']);
    expect(await finding.locator('[data-testid="signals"] b').count()).toBe(0);
    // fired rows marked, the rest dimmed
    expect(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-fired')))).toEqual(['true', 'false', 'true']);
    const opacity = await rows.evaluateAll((els) => els.map((e) => Number(getComputedStyle(e).opacity)));
    expect(opacity[0]).toBe(1);
    expect(opacity[1]).toBeLessThan(1);
    // the exact value is one hover away
    expect(await rows.nth(0).locator('td').nth(1).getAttribute('title')).toBe('0.0123456');

    // raw JSON: collapsed until the toggle is clicked, then shown, then hidden again
    const raw = finding.getByTestId('evidence-raw');
    const toggle = finding.getByTestId('evidence-raw-toggle');
    expect(await raw.count()).toBe(0);
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    await toggle.click();
    await raw.waitFor({ state: 'visible' });
    const json = JSON.parse((await raw.textContent()) ?? '') as Finding['evidence'];
    expect(json).toEqual(WITH_SIGNALS.evidence);
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    await toggle.click();
    await raw.waitFor({ state: 'detached' });

    // a finding stored without signals: its scalar fields as key/value rows, still with the raw toggle
    const old = page.getByTestId('finding-divergence');
    expect(await old.getByTestId('signals').count()).toBe(0);
    const fields = await old.getByTestId('evidence-field').evaluateAll((els) =>
      els.map((e) => [e.querySelector('th')?.textContent ?? '', e.querySelector('td')?.textContent ?? '']),
    );
    expect(fields).toEqual([
      ['firstNonFinite', '999'],
      ['ratio', '3.142'],
      ['tag', 'val_fid_total_mean'],
    ]);
    expect(await old.getByTestId('evidence-raw').count()).toBe(0);
    await old.getByTestId('evidence-raw-toggle').click();
    expect(JSON.parse((await old.getByTestId('evidence-raw').textContent()) ?? '')).toEqual(WITHOUT_SIGNALS.evidence);

    problems.assertNone('run page evidence');
    await context.close();
  }, 60_000);

  it('shows each validation whose metrics were all NaN instead of skipping it', async () => {
    const { context, page } = await newPage(browser, { width: 1400, height: 1000 });
    const problems = collectProblems(page);
    await page.goto(`${w.url}/runs/${runId}`);
    const section = page.getByTestId('validation-tables');
    await section.waitFor();
    const tables = section.getByTestId('validation-table');
    expect(await tables.count()).toBe(30);
    // newest first: the epoch-13 validation, open, says what happened
    const newest = tables.first();
    expect(await newest.locator('summary').textContent()).toMatch(/^Validation metrics after epoch #13, total 1399 iterations/);
    const note = newest.getByTestId('all-nan-note');
    await note.waitFor({ state: 'visible' });
    expect((await note.textContent())?.trim()).toBe('all metrics NaN (LaMa printed an empty table)');
    expect(await newest.locator('table').count()).toBe(0);
    expect(await section.getByTestId('all-nan').count()).toBe(10);
    // a printed table before the NaNs is still a table
    const epoch8 = tables.filter({ hasText: 'Validation metrics after epoch #8,' });
    await epoch8.locator('summary').click();
    expect(await epoch8.locator('tr.total td').first().textContent()).toBe('1386.531003');
    expect(await epoch8.getByTestId('all-nan').count()).toBe(0);
    problems.assertNone('run page validation tables');
    await context.close();
  }, 60_000);
});
