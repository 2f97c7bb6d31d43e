import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, startWatch, trpcClient, until } from '/work/main/tests/helpers/watchProcess';
import { startDemo } from '/work/main/server/demo/demoWriter';
import { launchBrowser, newPage } from '/work/main/tests/helpers/browser';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-explore-'));
const project = path.join(dir, 'project'); fs.mkdirSync(project);
const w = await startWatch([project, '--db', path.join(dir, 'db.sqlite'), '--port', String(await freePort())]);
const b = startDemo({ dir: project, scenario: 'oscillation', speed: 20, steps: 4000, user: 'bob' });
const api = trpcClient(w.url);
await b.done;
const runs = await until(async () => { const r = (await api.runs.list.query({})).runs; return r.length === 1 && r[0].points > 0 ? r : null; });
const browser = await launchBrowser();
const { page } = await newPage(browser);
await page.goto(w.url + '/runs/' + runs[0].id);
await page.getByTestId('lr-overlay').waitFor();
await page.waitForTimeout(2000);
for (let i = 0; i < 4; i++) {
  const r = await page.evaluate(`new Promise((resolve) => {
    const el = document.querySelector('[data-testid=lr-overlay]');
    const want = !el.checked;
    const t0 = performance.now();
    el.click();
    const afterClick = el.checked;
    const poll = () => { if (el.checked === want) resolve('sync=' + (afterClick === want) + ' after ' + (performance.now() - t0).toFixed(1) + ' ms, url=' + location.search); else requestAnimationFrame(poll); };
    poll();
  })`);
  console.log(r);
  await page.waitForTimeout(500);
}
await browser.close(); await w.stop();
