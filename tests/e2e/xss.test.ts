// Hostile text in a real browser: run names, tags, config values, validation-table cells, log-derived
// ingest errors holding `<img src=x onerror=…>` and `</script>` payloads are shown as text on every page
// and run nothing (a window flag each payload would set stays unset). The dashboard runs with a token
// on loopback, so the browser also goes the way a user does: the printed `?token=` address once, then
// the cookie (pages, tRPC, the live subscription), all under the CSP.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { freePort, startWatch, trpcClient, until, type WatchProc } from '../helpers/watchProcess';
import { launchBrowser, newPage, collectProblems, type Problems } from '../helpers/browser';
import { buildLamaRun, lamaSpec, type BuiltRun } from '../helpers/lamaTree';
import { logRecord, validationTable } from '../../server/demo/lamaFormat';
import { encodeFileVersionEvent, encodeScalarEvent, eventFileName, eventRecord } from '../../server/ingest/tfeventsWriter';

const NAME = '<img src=x onerror=window.__xss=1>';
const TAG_SCRIPT = '</script><script>window.__xss=2</script>';
const TAG_IMG = '<img src=x onerror=window.__xss=22>';
const CONFIG = '<img src=x onerror=window.__xss=3></script><script>window.__xss=33</script>';
const CELL = '<img src=x onerror=window.__xss=4>';
const BAD_ROW = '</script><svg onload=window.__xss=5>';
const LIGHTNING = 'x</script><img src=x onerror=window.__xss=6>'; // a Lightning run: <project>/<version>
const TOKEN = 'e2e-token-abcdefghijklmnop';

const EXPECTED_ABORTS = /[?&]_rsc=|\/api\/trpc\/live\.onChange\?/;

describe('hostile text renders as text (Chromium)', () => {
  let tmp: string;
  let project: string;
  let w: WatchProc;
  let browser: Browser;
  let hostile: BuiltRun;
  let plain: BuiltRun;
  let ids: { hostile: number; plain: number; lightning: number };
  let context: BrowserContext;
  let page: Page;
  let problems: Problems & { aborted: string[] };

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-xss-'));
    project = path.join(tmp, 'project');
    hostile = buildLamaRun(project, lamaSpec({ user: NAME, maxEpochs: 2, limitTrainBatches: 50 }));
    plain = buildLamaRun(project, lamaSpec({ user: 'plain_user', maxEpochs: 2, limitTrainBatches: 50, genLr: 0.002 }));
    const t0 = hostile.spec.startedAt / 1000;
    // tags
    fs.appendFileSync(hostile.eventFile, Buffer.concat([TAG_SCRIPT, TAG_IMG].flatMap((tag) => [10, 20, 30].map((s) => eventRecord(encodeScalarEvent({ tag, step: s, value: s / 10, wallTime: t0 + s }))))));
    // a config value (both copies LaMa writes)
    for (const f of [path.join(hostile.runDir, 'config.yaml'), path.join(hostile.runDir, '.hydra', 'config.yaml')]) {
      fs.appendFileSync(f, `xss_probe: '${CONFIG}'\n`);
    }
    // a validation table with a hostile row label, and a ragged row (an ingest error quoting it)
    const table = validationTable('Validation', 2, 150, { rows: [{ label: CELL, fid: 1, lpips: 0.1, lpipsStd: 0.01, ssim: 0.9, ssimStd: 0.01 }, { label: 'total', fid: 2, lpips: 0.2, lpipsStd: 0.02, ssim: 0.8, ssimStd: 0.02 }], f1: 0.7 });
    const ragged = table.replace(/\ntotal[^\n]*$/, `\n${BAD_ROW}  1.0  2.0`);
    fs.appendFileSync(path.join(hostile.runDir, 'train.log'), logRecord(hostile.spec.startedAt + 10_000, 'saicinpainting.training.trainers.base', 'INFO', ragged) + logRecord(hostile.spec.startedAt + 11_000, '__main__', 'INFO', 'next record (the table above is complete)'));
    // a corrupt event file with a hostile name: an ingest error naming the file
    fs.writeFileSync(path.join(hostile.tbDir, `events.out.tfevents.${Math.floor(t0)}.${NAME}`), Buffer.from('not an event file at all, definitely not'));
    // a Lightning run whose name holds `</script>`
    const version = path.join(tmp, 'project', 'x<', 'lightning_logs', 'script><img src=x onerror=window.__xss=6>');
    fs.mkdirSync(version, { recursive: true });
    fs.writeFileSync(
      path.join(version, eventFileName(t0, 'host', 1)),
      Buffer.concat([eventRecord(encodeFileVersionEvent(t0)), ...[1, 2, 3].map((s) => eventRecord(encodeScalarEvent({ tag: 'train_loss', step: s, value: 1 / s, wallTime: t0 + s })))]),
    );

    const port = await freePort();
    [w, browser] = await Promise.all([startWatch([project, '--db', path.join(tmp, 'db.sqlite'), '--port', String(port), '--token', TOKEN]), launchBrowser()]);
    expect(w.token).toBe(TOKEN);
    const api = trpcClient(w.url, w.token);
    ids = await until(async () => {
      const rows = (await api.runs.list.query({})).rows;
      const h = rows.find((r) => r.name === hostile.name && r.configName !== null);
      const p = rows.find((r) => r.name === plain.name);
      const l = rows.find((r) => r.name === LIGHTNING);
      if (!h || !p || !l) return null;
      // wait for everything of the hostile run: its tags, its tables, its errors
      const tags = (await api.runs.tags.query({ runId: h.id })).map((t) => t.tag);
      const tables = await api.logs.validationTables.query({ runId: h.id });
      const errors = await api.ingest.errors.query({ runId: h.id });
      return tags.includes(TAG_SCRIPT) && tags.includes(TAG_IMG) && tables.some((t) => t.rows.some((r) => r.label === CELL)) && errors.length >= 2
        ? { hostile: h.id, plain: p.id, lightning: l.id }
        : null;
    }, 30_000);
    ({ context, page } = await newPage(browser));
    problems = collectProblems(page);
  });

  afterAll(async () => {
    await context?.close().catch(() => {});
    await browser?.close();
    await w?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const flag = () => page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss);
  const bodyText = () => page.evaluate(() => document.body.innerText);
  const waitForText = (texts: string[], timeout = 20_000) =>
    page.waitForFunction((ts) => ts.every((t) => document.body.innerText.includes(t)), texts, { timeout, polling: 200 });

  function assertClean(where: string) {
    problems.list.splice(0, problems.list.length, ...problems.list.filter((p) => !EXPECTED_ABORTS.test(p)));
    problems.assertNone(where);
  }

  it('the printed ?token= address logs the browser in (cookie) and drops the token from the URL', async () => {
    await page.goto(`${w.url}/?token=${TOKEN}`);
    expect(page.url()).toBe(`${w.url}/`);
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === `lrscope_${new URL(w.url).port}`);
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect(session?.value).not.toContain(TOKEN);
    // without the cookie, nothing
    const other = await browser.newContext();
    const r = await (await other.newPage()).goto(`${w.url}/`);
    expect(r?.status()).toBe(401);
    await other.close();
  });

  it('runs table: the hostile names are text, nothing ran', async () => {
    await page.goto(`${w.url}/`);
    await waitForText([NAME, LIGHTNING]);
    expect(await flag()).toBeUndefined();
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    assertClean('runs table');
  });

  it('run page: name, tags, config value, validation cell and ingest errors are text, nothing ran', async () => {
    await page.goto(`${w.url}/runs/${ids.hostile}`);
    await waitForText([NAME, CONFIG, CELL, `events.out.tfevents`, BAD_ROW]);
    const text = await bodyText();
    expect(text).toContain(`tfevents.${Math.floor(hostile.spec.startedAt / 1000)}.${NAME}`); // the error's file name
    // the hostile tags are charted (their titles are in the page) in the small multiples or 'other'
    await waitForText([TAG_SCRIPT, TAG_IMG]);
    expect(await flag()).toBeUndefined();
    expect(await page.locator('img[src="x"], svg[onload]').count()).toBe(0);
    assertClean('run page');
  });

  it('a Lightning run named with </script>: its page shows the name, nothing ran', async () => {
    await page.goto(`${w.url}/runs/${ids.lightning}`);
    await waitForText([LIGHTNING]);
    expect(await flag()).toBeUndefined();
    assertClean('lightning run page');
  });

  it('compare page: names, the hostile tags as metrics and the config diff are text, nothing ran', async () => {
    const q = new URLSearchParams({ runs: `${ids.hostile},${ids.plain},${ids.lightning}`, tags: [TAG_SCRIPT, TAG_IMG, 'train_gen_l1'].join(',') });
    await page.goto(`${w.url}/compare?${q.toString()}`);
    await waitForText([NAME, LIGHTNING, TAG_SCRIPT, TAG_IMG, CONFIG]);
    expect(await flag()).toBeUndefined();
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    assertClean('compare page');
  });

  it('the live subscription reaches the page through the cookie: a new run appears without a reload', async () => {
    await page.goto(`${w.url}/`);
    await waitForText([NAME]);
    const late = buildLamaRun(project, lamaSpec({ user: 'late_<b>bold', maxEpochs: 1, limitTrainBatches: 20, startedAt: new Date(2026, 10, 25, 8, 0, 0).getTime() }));
    await waitForText([late.name], 30_000);
    expect(await page.locator('main b').count()).toBe(0);
    expect(await flag()).toBeUndefined();
    assertClean('live');
  });
});
