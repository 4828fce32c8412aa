// The reader's side of search in headless Chromium (Debian's package),
// driven by playwright-core: run by tests/browser.rs against the sample
// site served at SITE_URL (the root or a subpath, ending in /).
//   node search.mjs http://127.0.0.1:PORT/archive/
// Fails on any console error, page error, failed request or CSP violation.
import { chromium } from 'playwright-core';

const site = process.argv[2];
if (!site || !site.endsWith('/')) {
  console.error('usage: node search.mjs SITE_URL/');
  process.exit(2);
}
const forces = ['Derbyshire', 'North Wales', 'West Mercia'];
const problems = [];
const check = (ok, what) => { if (!ok) problems.push(what); };

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  // "Failed to load resource" repeats a failed response, which is checked
  // below (and includes the browser's own favicon probe at the origin).
  page.on('console', (m) => {
    if (m.type() === 'error' && !/^Failed to load resource/.test(m.text())) problems.push(`console error: ${m.text()}`);
  });
  let followerFetches = 0;
  page.on('request', (r) => { if (/\/search\/f\//.test(r.url())) followerFetches += 1; });
  page.on('response', (r) => {
    if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) problems.push(`HTTP ${r.status()} ${r.url()}`);
  });
  // A violation is reported to the page as an event; this listener is added
  // by the browser's debugging protocol, not by an inline script.
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  const results = page.locator('[data-search-results] a');
  const areasShown = async () => new Set(await page.locator('[data-search-results] .meta').allInnerTexts()
    .then((t) => t.map((s) => s.split(' · ')[0])));

  // 1. The header box on the home page submits to the search page.
  await page.goto(site, { waitUntil: 'load' });
  await page.getByRole('search').getByLabel('Search releases').fill('EncroChat');
  await page.getByRole('search').getByLabel('Search releases').press('Enter');
  await page.waitForURL((u) => u.pathname.endsWith('/search/') && u.searchParams.get('q') === 'EncroChat');
  await results.first().waitFor({ timeout: 5000 });
  check((await results.count()) === 3, `EncroChat from the header: ${await results.count()} results, not 3`);
  const shown = await areasShown();
  check(forces.every((f) => shown.has(f)), `results from all three forces, got ${[...shown]}`);
  const status = await page.locator('[role=status]').innerText();
  check(/3 releases match/.test(status), `the live region announces the count, said "${status}"`);

  // 2. Results as you type, from a prefix.
  const box = page.locator('[data-search-input]');
  await box.fill('');
  await box.pressSequentially('encroc', { delay: 20 });
  await page.waitForFunction(() => /3 releases match .encroc/.test(document.querySelector('[role=status]').textContent));
  check((await results.count()) === 3, 'typing "encroc" finds the three releases');
  await box.fill('');
  await box.pressSequentially('EncroChat', { delay: 20 });
  await page.waitForFunction(() => /match .EncroChat/.test(document.querySelector('[role=status]').textContent));

  // 3. The force filter narrows the results and goes in the URL.
  await page.getByLabel('Force').selectOption('north-wales');
  await page.waitForURL((u) => u.searchParams.get('area') === 'north-wales');
  await page.waitForFunction(() => /1 release matches/.test(document.querySelector('[role=status]').textContent));
  const filtered = await areasShown();
  check(filtered.size === 1 && filtered.has('North Wales'), `filtered to North Wales, got ${[...filtered]}`);

  // 4. Back undoes the filter.
  await page.goBack();
  await page.waitForFunction(() => /3 releases match/.test(document.querySelector('[role=status]').textContent));
  check((await page.getByLabel('Force').inputValue()) === '', 'back clears the force filter');

  // 5. Matched words are marked in titles and snippets; a nonsense word finds nothing.
  await box.fill('Venetic');
  await page.waitForFunction(() => /match .Venetic/.test(document.querySelector('[role=status]').textContent));
  const marks = await page.locator('[data-search-results] mark').allInnerTexts();
  check(marks.length > 0 && marks.every((m) => m.toLowerCase() === 'venetic'), `marks: ${marks}`);
  await box.fill('zzqxv');
  await page.waitForFunction(() => /No releases match/.test(document.querySelector('[role=status]').textContent));
  check((await results.count()) === 0, 'nothing for a nonsense word');

  // 6. A quoted phrase matches its words in a row only, fetching follower
  // files (search/f/) then and never before.
  await box.fill('national operation');
  await page.waitForFunction(() => /3 releases match .national operation/.test(document.querySelector('[role=status]').textContent));
  check(followerFetches === 0, `${followerFetches} follower files fetched before a phrase`);
  await box.fill('"national operation"');
  await page.waitForFunction(() => /1 release matches ."national operation"/.test(document.querySelector('[role=status]').textContent));
  check((await results.count()) === 1, `"national operation": ${await results.count()} results, not 1`);
  check(followerFetches > 0, 'a phrase fetches follower files');
  const phraseMarks = await page.locator('[data-search-results] mark').allInnerTexts();
  // The phrase is marked where it is whole, not its words elsewhere (the title's "operation").
  check(phraseMarks.join(' ').toLowerCase() === 'national operation', `phrase marks: ${phraseMarks}`);
  await box.fill('"operation national"');
  await page.waitForFunction(() => /No releases match/.test(document.querySelector('[role=status]').textContent));

  // 7. A result leads to its release page.
  await box.fill('EncroChat');
  await box.press('Enter');
  await page.waitForFunction(() => /3 releases match/.test(document.querySelector('[role=status]').textContent));
  const first = results.first();
  const title = (await first.innerText()).trim();
  await first.click();
  await page.waitForURL((u) => /\/releases\/[^/]+\/$/.test(u.pathname));
  check(new URL(page.url()).pathname.startsWith(new URL(site).pathname), 'the release is under the site path');
  const h1 = (await page.locator('h1').innerText()).trim();
  check(h1 === title, `followed "${title}" to a page titled "${h1}"`);
  await page.waitForTimeout(100);
} catch (e) {
  problems.push(String(e.message || e).split('\n')[0]);
} finally {
  await browser.close();
}
for (const p of problems) console.log(`FAIL ${p}`);
console.log(problems.length ? `search in Chromium at ${site}: ${problems.length} problems` : `search in Chromium at ${site}: ok`);
process.exit(problems.length ? 1 : 0);
