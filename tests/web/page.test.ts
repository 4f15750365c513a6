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

// Runs in the page (a string: the test's TypeScript transform must not touch it). Lists text with
// contrast below 4.5:1 (3:1 for large text) against its effective background, text under 13 px,
// unnamed buttons and sections, an unnamed ECG chart, a missing lang.
const A11Y_CHECK = `(() => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (x) => ((x /= 255) <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4);
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const bg = (el) => {
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.9)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    const box = el.getBoundingClientRect();
    if (!own || box.width === 0 || el.closest('.u-legend, [hidden]')) continue;
    const cs = getComputedStyle(el);
    const size = parseFloat(cs.fontSize);
    const L1 = lum(rgb(cs.color)), L2 = lum(bg(el));
    const ratio = (Math.max(L1, L2) + 0.05) / (Math.min(L1, L2) + 0.05);
    const large = size >= 24 || (size >= 18.66 && Number(cs.fontWeight) >= 700);
    const text = el.textContent.trim().slice(0, 30);
    if (ratio < (large ? 3 : 4.5)) out.push('contrast ' + ratio.toFixed(2) + ' "' + text + '"');
    if (size < 13) out.push(size + 'px "' + text + '"');
  }
  for (const b of document.querySelectorAll('button')) if (!b.hidden && !b.textContent.trim() && !b.getAttribute('aria-label')) out.push('unnamed button');
  for (const s of document.querySelectorAll('main > section:not([hidden])')) if (!s.getAttribute('aria-label') && !s.getAttribute('role') && !s.querySelector('h2')) out.push('unnamed section #' + s.id);
  if (!document.getElementById('ecg')?.getAttribute('aria-label')) out.push('ECG chart unnamed');
  if (document.documentElement.lang !== 'en') out.push('no lang');
  return out;
})()`;

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

  test('accessibility basics: text contrast ≥ 4.5:1 (3:1 large), text ≥ 13 px, every control and chart named; light and dark', async () => {
    // An alarm and a fault, so the red and the dashed blue states are on the page too.
    w.h.clock.advance(1000);
    assert.is((await w.lpu.send([...vitalsAt(w, simMs + 3000, { systolicMmHg: 150 }), { kind: 'fault', seq: w.seq++, measuredAt: w.h.clock.now(), sensor: 'temperature', fault: 'probe-open' }])).status, 200);
    await w.h.server.engine!.idle();
    const page = await open((await issue(w, 'physician')).path);
    await page.waitForFunction(() => document.querySelector('#status')?.classList.contains('status-alarm'), null, { timeout: 5000 });
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      const bad = (await page.evaluate(A11Y_CHECK)) as string[];
      assert.equal(bad, [], `${scheme}: ${bad.join('; ')}`);
    }
    await page.emulateMedia({ colorScheme: 'light' });
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
