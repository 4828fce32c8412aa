// What a reader on a phone sees, in headless Chromium (run by
// tests/browser.rs against the sample site at SITE_URL):
//   node readers.mjs http://127.0.0.1:PORT/archive/
// - the home page's first screen at 390x844, taken as a screenshot (into
//   BLOTTER_BROWSER_OUT), shows "Browse by force", "Browse by date" and the
//   search box: each lies within it, is the element a tap there reaches,
//   and is painted there (the screenshot of its box changes when it is
//   hidden);
// - a release page with JSON-LD and highlighted code loads with no CSP
//   violation or console error, and every code token reads at 4.5:1 or
//   more on its background in the light and the dark scheme;
// - the favicon loads.
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const site = process.argv[2];
if (!site || !site.endsWith('/')) {
  console.error('usage: node readers.mjs SITE_URL/');
  process.exit(2);
}
const shots = process.env.BLOTTER_BROWSER_OUT || os.tmpdir();
const PHONE = { width: 390, height: 844 };
const problems = [];
const check = (ok, what) => { if (!ok) problems.push(what); };

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
});

// The lowest contrast of any highlighted token on the page, against the
// first opaque background behind it.
const lowestTokenContrast = () => {
  const rgb = (s) => (s.match(/[\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const c = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * c(r) + 0.7152 * c(g) + 0.0722 * c(b);
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] === 1)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  let lowest = Infinity;
  for (const span of document.querySelectorAll('pre.code span')) {
    if (!span.textContent.trim()) continue;
    const [a, b] = [lum(rgb(getComputedStyle(span).color)), lum(background(span))];
    lowest = Math.min(lowest, (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05));
  }
  return lowest;
};

/**
 * Why `target` is not seen on the phone's first screen, or null: its box
 * must lie within the viewport, be what a tap at its centre reaches, and
 * show on a screenshot (the box's pixels change when it is hidden).
 */
async function firstScreenProblem(page, locator) {
  // A handle, not the locator: a hidden element no longer has its role.
  const target = await locator.elementHandle();
  const box = await target.boundingBox();
  if (!box) return 'it is not shown';
  const where = `at ${Math.round(box.x)},${Math.round(box.y)} (${Math.round(box.width)}x${Math.round(box.height)})`;
  if (box.x < 0 || box.y < 0 || box.x + box.width > PHONE.width || box.y + box.height > PHONE.height) return `it is ${where}`;
  const onTop = await target.evaluate((el) => {
    const r = el.getBoundingClientRect();
    return el.contains(document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2));
  });
  if (!onTop) return `something covers it ${where}`;
  const shown = await page.screenshot({ clip: box });
  await target.evaluate((el) => { el.style.visibility = 'hidden'; });
  const hidden = await page.screenshot({ clip: box });
  await target.evaluate((el) => { el.style.visibility = ''; });
  return shown.equals(hidden) ? `nothing of it is painted ${where}` : null;
}

try {
  for (const scheme of ['light', 'dark']) {
    const context = await browser.newContext({ viewport: PHONE, colorScheme: scheme });
    const page = await context.newPage();
    page.setDefaultTimeout(15000);
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && !/^Failed to load resource/.test(m.text())) problems.push(`console error: ${m.text()}`);
    });
    page.on('response', (r) => {
      if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) problems.push(`HTTP ${r.status()} ${r.url()}`);
    });
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`);
      });
    });

    await page.goto(site);
    const shot = path.join(shots, `home-${PHONE.width}x${PHONE.height}-${scheme}.png`);
    const png = await page.screenshot({ path: shot });
    const size = [png.readUInt32BE(16), png.readUInt32BE(20)];
    check(size[0] === PHONE.width && size[1] === PHONE.height, `${scheme}: the first screen ${shot} is ${size.join('x')}`);
    for (const [name, target] of [
      ['"Browse by force"', page.getByRole('link', { name: 'Browse by force', exact: true })],
      ['"Browse by date"', page.getByRole('link', { name: 'Browse by date', exact: true })],
      ['the search box', page.getByRole('search').getByLabel('Search releases')],
    ]) {
      const problem = await firstScreenProblem(page, target);
      check(!problem, `${scheme}: ${name} is not on the first screen of ${shot}: ${problem}`);
    }

    await page.goto(`${site}releases/002_253a1e39986e1906/`);
    check((await page.locator('script[type="application/ld+json"]').count()) === 2, `${scheme}: two JSON-LD blocks`);
    const lowest = await page.evaluate(lowestTokenContrast);
    console.log(`${scheme}: lowest code token contrast ${lowest.toFixed(2)}:1`);
    check(lowest >= 4.5, `${scheme}: a code token reads at ${lowest.toFixed(2)}:1`);
    const icon = await page.request.get(`${site}static/favicon.svg`);
    check(icon.ok() && (await icon.text()).startsWith('<svg'), `${scheme}: the favicon loads`);
    await page.waitForTimeout(100);
    await context.close();
  }
} catch (e) {
  problems.push(String(e.message || e).split('\n')[0]);
} finally {
  await browser.close();
}
for (const p of problems) console.log(`FAIL ${p}`);
console.log(problems.length ? `readers in Chromium at ${site}: ${problems.length} problems` : `readers in Chromium at ${site}: ok`);
process.exit(problems.length ? 1 : 0);
