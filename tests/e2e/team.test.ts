// The team dashboard in Chromium (issue 12): `lrscope serve` on PostgreSQL, one `lrscope watch` process
// (host node-w) writing straight into the database and one `lrscope agent` (host node-g) pushing to serve.
// Both nodes hold a copy of the same LaMa run folder: the runs table shows two runs of that name, each
// with its host. A new point written on each node then appears in its row of the open page, without a
// reload (the live subscription over the change log), and only in its own host's row.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startPgCluster, type PgCluster } from '../helpers/pgCluster';
import { buildLamaRun, lamaSpec } from '../helpers/lamaTree';
import { freePort, startWatch, trpcClient, until, type WatchProc } from '../helpers/watchProcess';
import { collectProblems, launchBrowser, newPage } from '../helpers/browser';
import { encodeScalarEvent, eventRecord } from '../../server/ingest/tfeventsWriter';

const TOKEN = 'team-e2e-token-0123456789';
// the live subscription's event stream is torn down when the page closes
const EXPECTED_ABORTS = /[?&]_rsc=|\/api\/trpc\/live\.onChange\?/;

let pg: PgCluster;
let tmp: string;
let serve: WatchProc | null = null;
let browser: Browser | null = null;
const children: ChildProcess[] = [];

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-e2e-team-'));
  [pg, browser] = await Promise.all([startPgCluster(), launchBrowser()]);
});
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await browser?.close();
  await serve?.stop();
  pg?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function spawnWriter(args: string[], host: string): void {
  const child = spawn(process.execPath, [path.resolve('scripts/lrscope.mjs'), ...args], { stdio: 'ignore', env: { ...process.env, LRSCOPE_SOURCE_HOST: host } });
  children.push(child);
}

/** Appends one training point at `step` to an event file, as a running job does. */
function appendPoint(eventFile: string, step: number): void {
  fs.appendFileSync(eventFile, eventRecord(encodeScalarEvent({ step, wallTime: Date.now() / 1000, tag: 'train_gen_l1', value: 0.25 })));
}

describe('the team dashboard on PostgreSQL in Chromium', () => {
  it('shows every run with its host and updates live from a watch process and an agent', async () => {
    const db = pg.createDb('e2e');
    serve = await startWatch(['--db', db, '--port', String(await freePort()), '--token', TOKEN], { command: 'serve', env: { LRSCOPE_TOKEN: TOKEN } });
    // the same run folder on two nodes
    const built = buildLamaRun(path.join(tmp, 'orig'), lamaSpec({ maxEpochs: 2 }));
    const nodes = { 'node-w': path.join(tmp, 'node-w'), 'node-g': path.join(tmp, 'node-g') };
    for (const dir of Object.values(nodes)) fs.cpSync(path.join(tmp, 'orig'), dir, { recursive: true });
    const eventOf = (host: keyof typeof nodes) => path.join(nodes[host], path.relative(path.join(tmp, 'orig'), built.eventFile));
    const lastStep = Math.max(...[...built.written.values()].flatMap((l) => l.map(([s]) => s)));
    spawnWriter(['watch', nodes['node-w'], '--db', db, '--no-dashboard'], 'node-w');
    spawnWriter(['agent', nodes['node-g'], '--server', serve.url, '--token', TOKEN, '--poll', '100'], 'node-g');
    const api = trpcClient(serve.url, TOKEN);
    const ids = await until(async () => {
      const rows = (await api.runs.list.query({})).rows;
      const w = rows.find((r) => r.host === 'node-w' && r.lastStep === lastStep);
      const g = rows.find((r) => r.host === 'node-g' && r.lastStep === lastStep);
      return rows.length === 2 && w && g ? { 'node-w': w.id, 'node-g': g.id } : null;
    }, 60_000, 200);

    const { context, page } = await newPage(browser!);
    const problems = collectProblems(page);
    await page.goto(`${serve.url}/?token=${TOKEN}`);
    const row = (host: keyof typeof nodes) => `table[data-testid="runs"] tbody tr[data-run-id="${ids[host]}"]`;
    for (const host of ['node-w', 'node-g'] as const) {
      await page.waitForSelector(row(host));
      expect(await page.textContent(`${row(host)} [data-testid="row-host"]`)).toBe(` @${host}`);
      expect(await page.textContent(`${row(host)} a`)).toBe(built.name);
      expect(await page.textContent(`${row(host)} [data-testid="run-step"]`)).toMatch(new RegExp(`^${lastStep}\\b`));
    }
    expect(await page.$$eval('table[data-testid="runs"] tbody tr[data-run-id]', (trs) => trs.length)).toBe(2);
    // anything that survives until the end proves the page was never reloaded
    await page.evaluate(() => ((window as unknown as { __noReload: number }).__noReload = 1));

    // each writer in turn: a new point on its node shows in its own row, the other row unchanged
    let step = lastStep;
    for (const host of ['node-w', 'node-g'] as const) {
      step += 1000;
      appendPoint(eventOf(host), step);
      await page.waitForFunction(
        ([sel, want]) => new RegExp(`^${want}\\b`).test(document.querySelector(`${sel} [data-testid="run-step"]`)?.textContent ?? ''),
        [row(host), String(step)] as const,
        { timeout: 60_000 },
      );
      const other = host === 'node-w' ? 'node-g' : 'node-w';
      const otherStep = host === 'node-w' ? lastStep : lastStep + 1000;
      expect(await page.textContent(`${row(other)} [data-testid="run-step"]`)).toMatch(new RegExp(`^${otherStep}\\b`));
    }
    expect(await page.evaluate(() => (window as unknown as { __noReload?: number }).__noReload)).toBe(1);
    await context.close();
    problems.list.splice(0, problems.list.length, ...problems.list.filter((p) => !EXPECTED_ABORTS.test(p)));
    problems.assertNone('team dashboard');
    expect(problems.aborted.filter((u) => !EXPECTED_ABORTS.test(u))).toEqual([]);
  }, 180_000);
});
