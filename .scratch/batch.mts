import { freePort, startWatch } from '/work/main/tests/helpers/watchProcess';
import { launchBrowser, newPage, trpcInputs } from '/work/main/tests/helpers/browser';
const w = await startWatch(['/tmp/lrs-prof/logs', '--db', '/tmp/lrs-prof/db.sqlite', '--port', String(await freePort())]);
const browser = await launchBrowser();
const { context, page } = await newPage(browser);
page.on('request', (r) => { const i = trpcInputs(r, 'metrics.series'); if (i.length) console.log(JSON.stringify(i)); });
await page.goto(w.url + '/runs/1');
await page.waitForTimeout(4000);
await browser.close(); await w.stop();
