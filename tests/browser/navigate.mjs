// A reader browsing the sample site by clicking, in headless Chromium (run
// by tests/browser.rs):
//   node navigate.mjs http://127.0.0.1:PORT/archive/
// - by force: home → "Browse by force" → Derbyshire → 2020 → July 2020 →
//   the Derbyshire release, then its date → that day;
// - by date: home → 2020 → July → the 2nd on the calendar → the North
//   Wales release.
// Each click must land on the expected address, with the expected heading
// and current breadcrumb; no page may log an error, fail a request or
// break its CSP.
import { args, check, finish, firstLine, launch, problems, watchedPage } from './common.mjs';

const { site } = args('navigate.mjs');
const DERBYSHIRE = 'Multi-million pound conspiracy uncovered in the East Midlands after cops crack criminal cypher';
const NORTH_WALES = 'North Wales Police key role in Operation Venetic – The UK’s biggest ever law enforcement operation';
const main = (page) => page.getByRole('main');
const link = (scope, name) => scope.getByRole('link', { name, exact: true });

// Each step: what to click on the page before it, and where it lands.
const BY_FORCE = [
  { click: (p) => link(main(p), 'Browse by force'), path: 'areas/', h1: 'Areas', crumb: 'Areas' },
  { click: (p) => link(main(p), 'Derbyshire'), path: 'areas/derbyshire/', h1: 'Derbyshire', crumb: 'Derbyshire' },
  { click: (p) => link(main(p), '2020'), path: 'areas/derbyshire/2020/', h1: 'Derbyshire: 2020', crumb: '2020' },
  { click: (p) => link(main(p), 'July 2020'), path: 'areas/derbyshire/2020/07/', h1: 'Derbyshire: July 2020', crumb: 'July' },
  { click: (p) => link(main(p), DERBYSHIRE), path: 'releases/002_253a1e39986e1906/', h1: DERBYSHIRE, crumb: DERBYSHIRE },
  { click: (p) => link(main(p), '2 July 2020, 11:29'), path: 'dates/2020/07/02/', h1: '2 July 2020', crumb: '2' },
];
const BY_DATE = [
  { click: (p) => link(p.getByRole('region', { name: 'Years' }), '2020'), path: 'dates/2020/', h1: '2020', crumb: '2020' },
  { click: (p) => link(main(p), 'July'), path: 'dates/2020/07/', h1: 'July 2020', crumb: 'July' },
  {
    click: (p) => p.getByRole('table', { name: /July 2020/ }).getByRole('link', { name: /^2 July\b/ }),
    path: 'dates/2020/07/02/', h1: '2 July 2020', crumb: '2',
  },
  {
    click: (p) => link(p.getByRole('region', { name: /^North Wales/ }), NORTH_WALES),
    path: 'releases/004_c5ae0792fd4e02f5/', h1: NORTH_WALES, crumb: NORTH_WALES,
  },
];

/** Clicks through `steps` from the home page; stops at the first wrong turn. */
async function walk(page, name, steps) {
  await page.goto(site);
  let at = 'home';
  for (const step of steps) {
    const where = `${name}: from ${at}`;
    try {
      await step.click(page).click();
      await page.waitForURL(site + step.path);
    } catch (e) {
      problems.push(`${where}, the click to ${step.path} failed: ${firstLine(e)}`);
      return;
    }
    const h1 = (await page.getByRole('heading', { level: 1 }).innerText()).trim();
    const crumb = (await page.getByRole('navigation', { name: 'Breadcrumb' }).locator('[aria-current="page"]').innerText()).trim();
    check(h1 === step.h1, `${where} to ${step.path}: the heading is "${h1}", not "${step.h1}"`);
    check(crumb === step.crumb, `${where} to ${step.path}: the current breadcrumb is "${crumb}", not "${step.crumb}"`);
    at = step.path;
  }
  console.log(`${name}: home → ${steps.map((s) => s.path).join(' → ')}`);
}

const browser = await launch();
try {
  const context = await browser.newContext();
  const page = await watchedPage(context, () => page.url().slice(site.length) || 'home');
  await walk(page, 'by force', BY_FORCE);
  await walk(page, 'by date', BY_DATE);
  await page.waitForTimeout(100);
  await context.close();
} catch (e) {
  problems.push(firstLine(e));
} finally {
  await browser.close();
}
finish('navigation in Chromium', site);
