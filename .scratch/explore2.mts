import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, startWatch, trpcClient, until } from '/work/main/tests/helpers/watchProcess';
import { startDemo } from '/work/main/server/demo/demoWriter';
import { launchBrowser, newPage, collectProblems, allChartStats } from '/work/main/tests/helpers/browser';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-explore-'));
const project = path.join(dir, 'project');
fs.mkdirSync(project);
const w = await startWatch([project, '--db', path.join(dir, 'db.sqlite'), '--port', String(await freePort())]);
const a = startDemo({ dir: project, scenario: 'healthy', speed: 5, steps: 200_000, user: 'alice' });
const b = startDemo({ dir: project, scenario: 'oscillation', speed: 20, steps: 4000, user: 'bob' });
const api = trpcClient(w.url);
await b.done;
const runs = await until(async () => { const r = (await api.runs.list.query({})).runs; return r.length === 2 && r.every(x => x.points > 0) ? r : null; });
const browser = await launchBrowser();
const { page } = await newPage(browser);
const pr = collectProblems(page);
const bid = runs.find(r => r.name.startsWith('bob'))!.id;
const aid = runs.find(r => r.name.startsWith('alice'))!.id;
for (const id of [bid, aid]) {
await page.goto(w.url + '/runs/' + id);
await page.waitForTimeout(3000);
const over = await page.evaluate(() => { const W = document.documentElement.clientWidth; return [...document.querySelectorAll('*')].filter(e => e.getBoundingClientRect().right > W + 1).slice(0, 10).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right) + ' ' + (e.textContent ?? '').slice(0, 80)); });
console.log(id, 'scrollWidth', await page.evaluate(() => document.documentElement.scrollWidth), over);
await page.screenshot({ path: `/tmp/lrs-explore/run${id}_top.png`, clip: { x: 0, y: 0, width: 1400, height: 1300 } });
}
await page.goto(w.url + `/compare?runs=${aid},${bid}`);
await page.waitForTimeout(3000);
console.log('compare scrollWidth', await page.evaluate(() => document.documentElement.scrollWidth));
await page.screenshot({ path: '/tmp/lrs-explore/compare.png', fullPage: true });
console.log(pr.list, pr.aborted.length);
await browser.close();
a.stop(); await w.stop();
