// Feed autodiscovery on every page of the sample site, in headless
// Chromium (run by tests/browser.rs):
//   node feeds.mjs http://127.0.0.1:PORT/archive/ SITE_DIR
// Each page's <link rel="alternate"> feeds, as the browser resolves them,
// must load (200) and parse: JSON Feed as JSON with its version and items,
// Atom as XML (the browser's DOMParser) with an Atom <feed> root. Every
// page names the site's feed in both formats; a force's pages and its
// releases name the force's feed, a tag's pages the tag's. The two formats
// of a feed list the same releases, and each feed's own address is the one
// it is advertised at.
import { args, check, finish, firstLine, launch, pagesByKind, problems, watchedPage } from './common.mjs';

const { site, dir } = args('feeds.mjs', { needDir: true });
const JSON_FEED = 'application/feed+json';
const ATOM = 'application/atom+xml';
const pages = pagesByKind(site, dir).flatMap(([kind, list]) => list.map((p) => ({ kind, ...p })));

/** The feed folders a page must advertise besides the site's: its force's or tag's. */
async function expectedScopes(page, file) {
  const own = file.match(/^(areas|tags)\/([^/]+)\/(?:\d+\/)*index\.html$/);
  if (own) return [`${own[1]}/${own[2]}/`];
  if (file.startsWith('releases/')) {
    const crumbs = await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link')
      .evaluateAll((links) => links.map((a) => a.href));
    const area = crumbs.map((href) => href.slice(site.length)).find((rel) => /^areas\/[^/]+\/$/.test(rel));
    return area ? [area] : [];
  }
  return [];
}

/** A JSON Feed's summary, or a list of what is wrong with it. */
function parseJsonFeed(text) {
  let feed;
  try {
    feed = JSON.parse(text);
  } catch (e) {
    return { errors: [`is not JSON: ${firstLine(e)}`] };
  }
  const errors = [];
  if (feed.version !== 'https://jsonfeed.org/version/1.1') errors.push(`has version ${feed.version}`);
  if (typeof feed.title !== 'string' || !feed.title) errors.push('has no title');
  if (!Array.isArray(feed.items) || feed.items.length === 0) errors.push('has no items');
  const items = (feed.items || []).map((i) => i.url);
  if (items.some((u) => typeof u !== 'string')) errors.push('has an item without a url');
  return { errors, title: feed.title, self: feed.feed_url, items };
}

/**
 * An Atom feed's summary, parsed by the browser's own XML parser (in a
 * blank page: the parser's error report would break a site page's CSP).
 */
const parseAtom = (page, text) => page.evaluate((xml) => {
  const doc = new DOMParser().parseFromString(xml, 'application/xml');
  const error = doc.querySelector('parsererror');
  if (error) return { errors: [`is not XML: ${(error.querySelector('div') || error).textContent.trim()}`] };
  const root = doc.documentElement;
  const errors = [];
  if (root.localName !== 'feed' || root.namespaceURI !== 'http://www.w3.org/2005/Atom') {
    errors.push(`has the root <${root.localName}> in ${root.namespaceURI}, not an Atom <feed>`);
  }
  const child = (el, name) => [...el.children].find((c) => c.localName === name);
  for (const name of ['id', 'title', 'updated']) if (!child(root, name)) errors.push(`has no <${name}>`);
  const entries = [...root.children].filter((c) => c.localName === 'entry');
  if (entries.length === 0) errors.push('has no entries');
  const link = (el, rel) => [...el.children]
    .find((c) => c.localName === 'link' && (c.getAttribute('rel') || 'alternate') === rel)?.getAttribute('href');
  const items = entries.map((e) => link(e, 'alternate'));
  if (items.some((href) => !href)) errors.push('has an entry without a link to its page');
  return { errors, title: child(root, 'title')?.textContent, self: link(root, 'self'), items };
}, text);

const browser = await launch();
const feeds = new Map();
let base = '';
try {
  const context = await browser.newContext();
  let current = '';
  const page = await watchedPage(context, () => current, { expect404: (u) => u.includes('/no/such-page/') });
  const xmlPage = await context.newPage();
  await page.goto(site);
  base = await page.locator('link[rel="canonical"]').getAttribute('href');
  check(base, 'the home page has no canonical link to take the base URL from');

  for (const { file, url } of pages) {
    current = file;
    try {
      await page.goto(url);
      const links = await page.locator('link[rel="alternate"]')
        .evaluateAll((ls) => ls.map((l) => ({ type: l.type, href: l.href, title: l.title })));
      const advertised = (type) => links.filter((l) => l.type === type).map((l) => l.href.slice(site.length));
      for (const scope of ['', ...(await expectedScopes(page, file))]) {
        for (const [type, name] of [[JSON_FEED, 'feed.json'], [ATOM, 'feed.xml']]) {
          check(advertised(type).includes(scope + name), `${file}: no ${type} autodiscovery link to ${scope}${name}`);
        }
      }
      for (const l of links.filter((x) => x.type === JSON_FEED || x.type === ATOM)) {
        check(l.href.startsWith(site), `${file}: the feed link ${l.href} leaves the site`);
        check(l.title, `${file}: the feed link ${l.href} has no title`);
        if (!feeds.has(l.href)) {
          const response = await page.request.get(l.href);
          const text = await response.text();
          const parsed = !response.ok() ? { errors: [`answers HTTP ${response.status()}`] }
            : l.type === JSON_FEED ? parseJsonFeed(text) : await parseAtom(xmlPage, text);
          feeds.set(l.href, { ...parsed, type: l.type, from: file });
        }
        const feed = feeds.get(l.href);
        // The link's title is the feed's, with its format named so that a
        // reader offered both can tell them apart.
        const format = l.type === JSON_FEED ? 'JSON Feed' : 'Atom';
        check(!feed.title || l.title === `${feed.title} (${format})`, `${file}: the link to ${l.href} is titled "${l.title}", the feed "${feed.title}" (${format})`);
      }
    } catch (e) {
      problems.push(`${file}: ${firstLine(e)}`);
    }
  }
  await context.close();
} catch (e) {
  problems.push(firstLine(e));
} finally {
  await browser.close();
}

for (const [href, feed] of feeds) {
  const rel = href.slice(site.length);
  for (const error of feed.errors) problems.push(`${rel} (linked from ${feed.from}) ${error}`);
  if (feed.errors.length) continue;
  check(feed.self === base + rel, `${rel} gives its own address as ${feed.self}, not ${base}${rel}`);
  if (feed.type === JSON_FEED) {
    const atom = feeds.get(href.replace(/\.json$/, '.xml'));
    if (!atom) problems.push(`${rel} has no Atom twin advertised beside it`);
    else if (!atom.errors.length && JSON.stringify(atom.items) !== JSON.stringify(feed.items)) {
      problems.push(`${rel} and its Atom twin list different releases:\n  ${feed.items.join(' ')}\n  ${atom.items.join(' ')}`);
    }
  }
}
console.log(`feeds: ${pages.length} pages advertise ${feeds.size} feeds`);
finish('feed autodiscovery in Chromium', site);
