// axe-core on every kind of page of the sample site, in the light and the
// dark colour scheme, with the site's own Content-Security-Policy in force
// (run by tests/browser.rs):
//   node accessibility.mjs http://127.0.0.1:PORT/archive/ SITE_DIR
// The CSP (script-src 'self' or 'none') would block axe as a script
// element, so axe is evaluated through the DevTools protocol, which the CSP
// does not govern; the page's own scripts and styles still load under it,
// and any violation they cause fails the check. Every axe rule that is not
// experimental runs (WCAG 2.x A and AA, and best practices); a violation
// prints its rule, impact and the elements it found.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { args, check, finish, firstLine, launch, pagesByKind, problems, watchedPage } from './common.mjs';

const { site, dir } = args('accessibility.mjs', { needDir: true });
const require = createRequire(import.meta.url);
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const axeVersion = require('axe-core/package.json').version;
const SCHEMES = ['light', 'dark'];

// One page of each kind, but every release: release pages differ most
// (commentary, corrections, notes on the text, highlighted code, none).
const pages = pagesByKind(site, dir)
  .flatMap(([kind, list]) => (kind === 'release' ? list : list.slice(0, 1)).map((p) => ({ kind, ...p })));

/** Evaluates axe in the page's main world, outside the page's CSP. */
async function injectAxe(context, page) {
  const cdp = await context.newCDPSession(page);
  try {
    const { exceptionDetails } = await cdp.send('Runtime.evaluate', { expression: axeSource });
    if (exceptionDetails) throw new Error(`axe did not load: ${exceptionDetails.text}`);
  } finally {
    await cdp.detach();
  }
}

const runAxe = (page) => page.evaluate(async () => {
  // eslint-disable-next-line no-undef
  const result = await axe.run(document, { resultTypes: ['violations'] });
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.map((n) => n.target.join(' ')),
  }));
});

/** What the reader's scheme changes: the page's background colour. */
const background = (page) => page.evaluate(() => getComputedStyle(document.body).backgroundColor);

/** Loads a page as a reader would, with its CSP; the search page with a query. */
async function load(page, { kind, file, url }) {
  const address = kind === 'search' ? `${url}?q=EncroChat` : url;
  const response = await page.goto(address, { waitUntil: 'load' });
  const status = response ? response.status() : 0;
  check(status === (kind === 'not found' ? 404 : 200), `${file}: HTTP ${status} at ${address}`);
  const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  check(/script-src '(self|none)'/.test(csp || ''), `${file}: no CSP with script-src 'self' or 'none' (${csp})`);
  if (kind === 'search') await page.locator('[data-search-results] a').first().waitFor();
}

const browser = await launch();
let checked = 0;
const started = Date.now();
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  let current = '';
  const page = await watchedPage(context, () => current, { expect404: (u) => u.includes('/no/such-page/') });
  for (const entry of pages) {
    current = entry.file;
    try {
      await page.emulateMedia({ colorScheme: 'light' });
      await load(page, entry);
      await injectAxe(context, page);
      const backgrounds = [];
      for (const scheme of SCHEMES) {
        await page.emulateMedia({ colorScheme: scheme });
        backgrounds.push(await background(page));
        for (const v of await runAxe(page)) {
          const shown = v.targets.slice(0, 5).join(', ') + (v.targets.length > 5 ? `, and ${v.targets.length - 5} more` : '');
          problems.push(`${entry.file} (${entry.kind}, ${scheme}): [${v.impact}] ${v.id}: ${v.help}; at ${shown}`);
        }
        checked++;
      }
      // Without the stylesheet (or its dark scheme) the contrast checks
      // would pass on the browser's defaults.
      check(backgrounds[0] !== backgrounds[1], `${entry.file}: the dark scheme does not change the background (${backgrounds[0]})`);
    } catch (e) {
      problems.push(`${entry.file}: ${firstLine(e)}`);
    }
  }
  await page.close();

  // The CSP is in force where axe ran, and a violation is reported: an
  // inline script added to a page is blocked and reported.
  const canary = await context.newPage();
  await canary.goto(site);
  const blocked = await canary.evaluate(() => new Promise((resolve) => {
    document.addEventListener('securitypolicyviolation', (e) => resolve(e.violatedDirective), { once: true });
    const script = document.createElement('script');
    script.textContent = 'window.inlineScriptRan = true;';
    document.body.append(script);
    setTimeout(() => resolve(window.inlineScriptRan ? 'ran' : 'nothing reported'), 2000);
  }));
  check(blocked === 'script-src-elem', `the CSP blocks and reports an inline script (got: ${blocked})`);
  await context.close();
} catch (e) {
  problems.push(firstLine(e));
} finally {
  await browser.close();
}
console.log(`axe ${axeVersion}: ${pages.length} pages of ${new Set(pages.map((p) => p.kind)).size} kinds, ` +
  `${checked} page and scheme runs in ${((Date.now() - started) / 1000).toFixed(1)}s`);
finish('accessibility in Chromium', site);
