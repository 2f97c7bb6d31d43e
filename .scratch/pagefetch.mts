import path from 'node:path';
import { freePort, startWatch } from '/work/main/tests/helpers/watchProcess';
import { launchBrowser, newPage } from '/work/main/tests/helpers/browser';
const w = await startWatch(['/tmp/lrs-prof/logs', '--db', '/tmp/lrs-prof/db.sqlite', '--port', String(await freePort())]);
const browser = await launchBrowser();
for (let rep = 0; rep < 3; rep++) {
  const { context, page } = await newPage(browser);
  const t0 = Date.now();
  page.on('requestfinished', async (r) => {
    if (!r.url().includes('/api/trpc') && !r.url().includes('_next') && !r.url().includes('/runs/')) return;
    const t = r.timing();
    console.log(rep, decodeURIComponent(r.url()).replace(/\?.*/, '').slice(-90).padEnd(90), 'start', t.startTime - t0 > -1e9 ? (t.startTime - t0).toFixed(0) : '', 'ttfb', t.responseStart.toFixed(0), 'end', t.responseEnd.toFixed(0));
  });
  await page.goto(w.url + '/runs/1');
  await page.waitForTimeout(5000);
  await context.close();
}
await browser.close(); await w.stop();
