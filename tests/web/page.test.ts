// The cloud-link page in a real headless Chromium (Debian's chromium through playwright-core)
// against a real server fed sealed uploads of a simulated patient's values: role scoping visible
// on the page, a sensor fault worded as such, revoked/expired/unknown links refused, screenshots
// (out/screenshots/, not committed). The page against the running simulation of the whole chain
// (live values, ECG strips from the device, update latency, acknowledgement) is live-sim.test.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { CONTACTS, OPERATOR_TOKEN, post } from '../server/helpers.ts';
import { hasChromium, issue, launch, startWorld, uploadEcg, vitalsAt, CHROMIUM, type World } from './helpers.ts';

const SHOTS = join(import.meta.dirname, '..', '..', 'out', 'screenshots');

if (!hasChromium()) {
  console.log(`SKIP tests/web/page: no chromium at ${CHROMIUM}`);
} else {
  let w: World;
  let browser: { context: BrowserContext; close(): Promise<void> };
  let simMs = 5_000;

  const open = async (path: string, size = { width: 360, height: 740 }): Promise<Page> => {
    const page = await browser.context.newPage();
    await page.setViewportSize(size);
    await page.goto(w.h.base + path);
    return page;
  };
  const shot = async (page: Page, name: string) => {
    mkdirSync(SHOTS, { recursive: true });
    await page.waitForTimeout(300); // the charts follow a viewport change after a 100 ms debounce
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  };
  const tileText = (page: Page, id: string) => page.locator(`#${id} .num`).innerText();

  test.before(async () => {
    w = await startWorld();
    browser = await launch();
    assert.is((await w.lpu.send(vitalsAt(w, simMs))).status, 200);
    await uploadEcg(w, simMs + 10_000);
  });
  test.after(async () => {
    await browser?.close();
    await w?.close();
  });

  test('a family link shows vitals and alarms but neither the ECG nor the location', async () => {
    const page = await open((await issue(w, 'family')).path);
    await page.waitForFunction(() => Number(document.body.dataset.updates ?? 0) >= 1, null, { timeout: 5000 });
    assert.not.match(await tileText(page, 't-hr'), /–/);
    assert.not.ok(await page.locator('#ecg-card').isVisible());
    assert.is(await page.locator('#ecg canvas').count(), 0);
    assert.not.ok(await page.locator('#location').isVisible());
    assert.not.ok(await page.locator('#trends-card').isVisible());
    assert.not.match(await page.content(), /0x1a2b/);
    await page.close();
  });

  test('the emergency unit sees the verified location', async () => {
    const page = await open((await issue(w, 'emergency')).path);
    await page.waitForFunction(() => Number(document.body.dataset.updates ?? 0) >= 1, null, { timeout: 5000 });
    assert.match(await page.locator('#loc-text').innerText(), /LAI 262-01-0x1a2b/);
    assert.ok(await page.locator('#ecg canvas').count());
    await page.close();
  });

  test('a sensor fault looks different from an alarm', async () => {
    const page = await open((await issue(w, 'family')).path);
    await page.waitForFunction(() => Number(document.body.dataset.updates ?? 0) >= 1, null, { timeout: 5000 });
    w.h.clock.advance(1000);
    assert.is((await w.lpu.send([{ kind: 'fault', seq: w.seq++, measuredAt: w.h.clock.now(), sensor: 'cuff', fault: 'cuff-leak' }])).status, 200);
    await page.waitForFunction(() => document.querySelector('#status')?.classList.contains('status-fault'), null, { timeout: 2000 });
    assert.match(await page.locator('#status-title').innerText(), /not a medical alarm/);
    assert.match(await tileText(page, 't-bp'), /cuff leaks — reading unavailable/i);
    assert.not.match(await tileText(page, 't-bp'), /\d/);
    assert.match(await page.locator('#faults').innerText(), /cuff leaks/);
    await shot(page, 'family-fault-360x740');
    // A valid BP reading afterwards clears the fault on the page.
    w.h.clock.advance(1000);
    assert.is((await w.lpu.send(vitalsAt(w, simMs + 1000, { systolicMmHg: 110 }))).status, 200);
    await page.waitForFunction(() => !document.querySelector('#t-bp')?.classList.contains('is-fault'), null, { timeout: 2000 });
    await page.close();
  });

  test('revoking a link closes the open page; expired and unknown links show a clear refusal', async () => {
    const l = await issue(w, 'physician');
    const page = await open(l.path);
    await page.waitForFunction(() => Number(document.body.dataset.updates ?? 0) >= 1, null, { timeout: 5000 });
    assert.is((await post(w.h.base, `/v1/links/${l.id}/revoke`, null, { authorization: `Bearer ${OPERATOR_TOKEN}` })).status, 200);
    await page.waitForFunction(() => /withdrawn/.test(document.querySelector('#status-title')?.textContent ?? ''), null, { timeout: 3000 });
    assert.not.ok(await page.locator('#ecg-card').isVisible());
    const reload = await page.reload();
    assert.is(reload!.status(), 403);
    assert.match(await page.locator('#denied').innerText(), /withdrawn/);

    const short = await issue(w, 'family', 1);
    w.h.clock.advance(3_600_001);
    const p2 = await browser.context.newPage();
    const resp = await p2.goto(w.h.base + short.path);
    assert.is(resp!.status(), 403);
    assert.match(await p2.locator('#denied').innerText(), /expired/);
    await shot(p2, 'expired-360x740');
    const resp3 = await p2.goto(w.h.base + '/c/' + 'A'.repeat(43));
    assert.is(resp3!.status(), 401);
    await p2.close();
    await page.close();
  });
}

test.run();
