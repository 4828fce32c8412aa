// What the browser scripts share: their arguments, one headless Chromium,
// a page that reports what a reader would see go wrong, the site's page
// kinds, and the closing report.
//   node SCRIPT.mjs SITE_URL/ [SITE_DIR]
// SITE_URL is where the built site is served (the root or a subpath, ending
// in /); SITE_DIR is the built output, read for the list of its pages.
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

/** The script's arguments; exits with a usage line when they are wrong. */
export function args(script, { needDir = false } = {}) {
  const [site, dir] = process.argv.slice(2);
  if (!site || !site.endsWith('/') || (needDir && !dir)) {
    console.error(`usage: node ${script} SITE_URL/${needDir ? ' SITE_DIR' : ' [SITE_DIR]'}`);
    process.exit(2);
  }
  return { site, dir };
}

/** Problems found so far, printed by `finish`. */
export const problems = [];
export const check = (ok, what) => { if (!ok) problems.push(what); };

export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/**
 * A new page in `context` that reports page errors, console errors, failed
 * requests and CSP violations, each prefixed with `label()` (the page being
 * checked). A 404 is expected only for `expect404` (the 404 page itself).
 */
export async function watchedPage(context, label, { expect404 = () => false } = {}) {
  const page = await context.newPage();
  page.on('pageerror', (e) => problems.push(`${label()}: page error: ${e.message}`));
  // "Failed to load resource" repeats a failed response, checked below (it
  // includes the browser's own favicon probe at the origin).
  page.on('console', (m) => {
    if (m.type() === 'error' && !/^Failed to load resource/.test(m.text())) {
      problems.push(`${label()}: console error: ${m.text().split('. ')[0]}`);
    }
  });
  page.on('response', (r) => {
    if (r.status() >= 400 && !r.url().endsWith('/favicon.ico') && !(r.status() === 404 && expect404(r.url()))) {
      problems.push(`${label()}: HTTP ${r.status()} ${r.url()}`);
    }
  });
  // The page's own CSP stays in force: a violation is reported to the page
  // as an event, and this listener is added by the DevTools protocol, not
  // by an inline script the CSP would block.
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`);
    });
  });
  // Long enough for a loaded machine, short enough to fail readably.
  page.setDefaultTimeout(15000);
  return page;
}

// Every kind of HTML page blotter writes, by its path in the output. A page
// that matches none fails the check, so a new kind of page is added here
// (and so checked in a browser) when it is added to the site.
export const PAGE_KINDS = [
  ['home', /^index\.html$/],
  ['areas', /^areas\/index\.html$/],
  ['area', /^areas\/[^/]+\/index\.html$/],
  ['area year', /^areas\/[^/]+\/\d{4}\/index\.html$/],
  ['area month', /^areas\/[^/]+\/\d{4}\/\d\d\/index\.html$/],
  ['dates', /^dates\/index\.html$/],
  ['year', /^dates\/\d{4}\/index\.html$/],
  ['month', /^dates\/\d{4}\/\d\d\/index\.html$/],
  ['day', /^dates\/\d{4}\/\d\d\/\d\d\/index\.html$/],
  ['release', /^releases\/[^/]+\/index\.html$/],
  ['tags', /^tags\/index\.html$/],
  ['tag', /^tags\/[^/]+\/index\.html$/],
  ['tag year', /^tags\/[^/]+\/\d{4}\/index\.html$/],
  ['corrections', /^corrections\/index\.html$/],
  ['search', /^search\/index\.html$/],
  ['not found', /^404\.html$/],
];

/** The output's HTML pages, relative paths with `/`, sorted. */
function htmlFiles(dir) {
  const found = [];
  const walk = (rel) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(child);
      else if (entry.name.endsWith('.html')) found.push(child);
    }
  };
  walk('');
  return found.sort();
}

/**
 * The site's pages by kind: `[kind, [{ file, url }]]` in PAGE_KINDS order.
 * A page's `url` is its address under `site` (a folder for `index.html`);
 * the 404 page is asked for at a missing address two folders deep, as
 * GitHub Pages serves it.
 */
export function pagesByKind(site, dir) {
  const byKind = new Map(PAGE_KINDS.map(([kind]) => [kind, []]));
  for (const file of htmlFiles(dir)) {
    const kind = PAGE_KINDS.find(([, pattern]) => pattern.test(file));
    if (!kind) {
      problems.push(`${file} is a page of no known kind: add its kind to PAGE_KINDS in tests/browser/common.mjs`);
      continue;
    }
    const url = file === '404.html' ? `${site}no/such-page/` : site + file.replace(/index\.html$/, '');
    byKind.get(kind[0]).push({ file, url });
  }
  for (const [kind, pages] of byKind) check(pages.length > 0, `the sample site has no page of kind "${kind}"`);
  return [...byKind];
}

/** The first line of an error, for a readable report. */
export const firstLine = (e) => String((e && e.message) || e).split('\n')[0];

/** Prints the problems (the first 40: one mistake can fail every page) and exits 1 if there are any. */
export function finish(what, site) {
  for (const p of problems.slice(0, 40)) console.log(`FAIL ${p}`);
  if (problems.length > 40) console.log(`FAIL ... and ${problems.length - 40} more`);
  console.log(problems.length ? `${what} at ${site}: ${problems.length} problems` : `${what} at ${site}: ok`);
  process.exit(problems.length ? 1 : 0);
}
