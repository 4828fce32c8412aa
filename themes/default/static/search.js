// Search over the static index in search/ (written by blotter's build).
// Plain JavaScript, no dependencies; it mirrors src/search/query.rs, so
// change the two together. Files are fetched relative to the site root
// the page names (data-root), so the site works at any subpath.
(function () {
  'use strict';
  var form = document.querySelector('[data-search-form]');
  if (!form || !window.fetch || !window.URL) return;
  var root = new URL(form.getAttribute('data-root') || './', location.href);
  var base = new URL('search/', root);
  var input = form.querySelector('[data-search-input]');
  var area = form.elements.area, from = form.elements.from, to = form.elements.to;
  var status = document.querySelector('[data-search-status]');
  var list = document.querySelector('[data-search-results]');
  var moreButton = document.querySelector('[data-search-more]');
  var moreBox = moreButton && moreButton.parentNode;
  var PAGE = 10, K1 = 1.2, TITLE_BOOST = 3, STEM = 0.8, PREFIX = 0.5, PREFIX_MIN = 2, PREFIX_SHARDS = 4;
  var EXTRA = { 'ß': 'ss', 'æ': 'ae', 'œ': 'oe', 'ø': 'o', 'ł': 'l', 'đ': 'd', 'ð': 'd', 'þ': 'th', 'ı': 'i' };
  var segmenter = window.Intl && Intl.Segmenter ? new Intl.Segmenter('en', { granularity: 'word' }) : null;
  var decoder = new TextDecoder();
  var files = new Map();

  function get(path, json) {
    if (!files.has(path)) {
      files.set(path, fetch(new URL(path, base)).then(function (r) {
        if (!r.ok) throw new Error(path + ': HTTP ' + r.status);
        return json ? r.json() : r.arrayBuffer();
      }).catch(function (e) { files.delete(path); throw e; }));
    }
    return files.get(path);
  }

  // Tokenising: as src/search/tokenise.rs.
  function fold(word) {
    word = word.replace(/['\u2019][sS]$/, '');
    var out = '';
    for (var c of word) {
      if (c < '\u0080') {
        if (/[A-Za-z0-9.]/.test(c)) out += c.toLowerCase();
      } else if (/[\p{L}\p{N}]/u.test(c)) {
        var lower = c.toLowerCase();
        var t = EXTRA[lower] || lower.normalize('NFKD').replace(/\p{M}/gu, '');
        out += /^[A-Za-z0-9]+$/.test(t) ? t.toLowerCase() : lower;
      }
    }
    out = out.replace(/^\.+|\.+$/g, '');
    var n = Array.from(out).length;
    return n > 0 && n <= 40 ? out : null;
  }
  // Words with their places in the text: [{text, start, end, form}].
  function segments(text) {
    var out = [];
    if (segmenter) {
      for (var s of segmenter.segment(text)) {
        if (s.isWordLike) out.push({ start: s.index, end: s.index + s.segment.length, form: fold(s.segment) });
      }
    } else {
      var re = /[\p{L}\p{N}][\p{L}\p{N}'\u2019.,]*/gu, m;
      while ((m = re.exec(text))) out.push({ start: m.index, end: m.index + m[0].length, form: fold(m[0]) });
    }
    return out.filter(function (s) { return s.form; });
  }
  function words(text) { return segments(text).map(function (s) { return s.form; }); }
  // The query's loose words and quoted phrases: [{words, phrase}]. After an
  // unclosed quote, loose words (the reader may still be typing).
  function parse(query) {
    var pieces = query.split('"'), closed = pieces.length - (pieces.length % 2 === 0 ? 1 : 0), out = [];
    pieces.forEach(function (piece, i) {
      var ws = words(piece), phrase = i % 2 === 1 && i < closed, last = out[out.length - 1];
      if (!ws.length) return;
      if (!phrase && last && !last.phrase) last.words = last.words.concat(ws);
      else out.push({ words: ws, phrase: phrase });
    });
    return out;
  }
  // A form's follower hash, as src/search/follow.rs: the low byte of FNV-1a
  // (32-bit) over its UTF-8 bytes ('' -> 0xc5, 'county' -> 0xf7, 'lines' -> 0x3c).
  function follower(form) {
    var h = 0x811c9dc5;
    new TextEncoder().encode(form).forEach(function (b) { h = Math.imul(h ^ b, 0x01000193) >>> 0; });
    return h & 255;
  }

  // The index format: as src/search/encode.rs.
  function varint(r) {
    var v = 0, scale = 1, b;
    do { b = r.b[r.i++]; v += (b & 127) * scale; scale *= 128; } while (b & 128);
    return v;
  }
  function string(r) {
    var n = varint(r), t = decoder.decode(r.b.subarray(r.i, r.i + n));
    r.i += n;
    return t;
  }
  function postings(r, weighted, dense) {
    var kind = r.b[r.i++], n = varint(r), docs = [], weights = [];
    if (kind === 1) {
      var len = varint(r);
      for (var i = 0; i < len; i++) {
        var b = r.b[r.i + i];
        if (b) for (var k = 0; k < 8; k++) if (b & (1 << k)) { docs.push(i * 8 + k); weights.push(dense); }
      }
      r.i += len;
    } else {
      var d = -1;
      for (var j = 0; j < n; j++) { d += varint(r); docs.push(d); weights.push(weighted ? r.b[r.i++] : 0); }
    }
    return { docs: docs, weights: weights };
  }
  function parseShard(buffer, dense) {
    var r = { b: new Uint8Array(buffer), i: 0 }, groups = [], count = varint(r);
    for (var g = 0; g < count; g++) {
      var group = { stem: string(r), forms: [] }, forms = varint(r);
      for (var f = 0; f < forms; f++) {
        group.forms.push({ form: string(r), title: postings(r, false, dense).docs, body: postings(r, true, dense) });
      }
      groups.push(group);
    }
    return groups;
  }
  function shardPath(prefix, folder) {
    return (folder || 't') + '/' + (prefix ? hex(prefix) : '_') + '.bin';
  }
  // A shard's follower file, joined from its parts when meta.json says it
  // has more than one (f/<hex>.bin, f/<hex>.1.bin, ...).
  function followFile(meta, prefix) {
    var first = shardPath(prefix, 'f'), parts = (meta.fparts || {})[prefix] || 1, paths = [first];
    for (var k = 1; k < parts; k++) paths.push(first.replace(/\.bin$/, '.' + k + '.bin'));
    return Promise.all(paths.map(function (p) { return get(p); })).then(function (buffers) {
      if (buffers.length === 1) return buffers[0];
      var size = buffers.reduce(function (n, b) { return n + b.byteLength; }, 0);
      var joined = new Uint8Array(size), at = 0;
      buffers.forEach(function (b) { joined.set(new Uint8Array(b), at); at += b.byteLength; });
      return joined.buffer;
    });
  }
  // Per document, the follower set of `word`'s form from a shard's follower
  // file (as src/search/follow.rs): per form in shard order, a block for the
  // k documents of its title and body postings merged: ceil(k/4) bytes of
  // 2-bit codes, then per set, for code c < 3 its c + 1 hashes, for code 3
  // [n, n hashes] or [255, 32-byte bitmap]. A set is {bitmap, bytes}.
  function followers(groups, buffer, word, out) {
    var b = new Uint8Array(buffer), at = 0;
    groups.forEach(function (group) {
      group.forms.forEach(function (form) {
        var docs = Array.from(new Set(form.title.concat(form.body.docs))).sort(function (x, y) { return x - y; });
        var codes = at;
        at += Math.ceil(docs.length / 4);
        docs.forEach(function (doc, j) {
          var code = (b[codes + (j >> 2)] >> (2 * (j & 3))) & 3, n = code + 1, bitmap = false;
          if (code === 3) { n = b[at++]; bitmap = n === 255; if (bitmap) n = 32; }
          if (form.form === word) out.set(doc, { bitmap: bitmap, bytes: b.subarray(at, at + n) });
          at += n;
        });
      });
    });
    return out;
  }
  function holds(set, h) {
    if (set.bitmap) return (set.bytes[h >> 3] & (1 << (h & 7))) !== 0;
    return set.bytes.indexOf(h) >= 0;
  }
  function hex(text) {
    return Array.from(new TextEncoder().encode(text), function (b) { return b.toString(16).padStart(2, '0'); }).join('');
  }

  function shardsFor(meta, word, prefix) {
    var out = meta.shardSet.has('') ? [''] : [], chars = Array.from(word), p = '';
    for (var c of chars) { p += c; if (meta.shardSet.has(p)) out.push(p); }
    if (prefix && chars.length >= PREFIX_MIN) {
      var under = meta.shards.filter(function (s) { return s !== word && s.startsWith(word); });
      if (under.length <= PREFIX_SHARDS) out = out.concat(under);
    }
    return out;
  }
  function stemFallback(stem, word) {
    var s = Array.from(stem).length, w = Array.from(word).length;
    return s >= 3 && word.startsWith(stem) && w - s <= 3;
  }
  // Per document, a word's best contribution before IDF; forms matched go to
  // `seen`. `exactOnly` (a phrase's word) matches the word's own form only.
  function matchWord(groups, word, prefix, seen, exactOnly) {
    var best = new Map();
    function put(doc, v) { if (!(best.get(doc) >= v)) best.set(doc, v); }
    function add(form, factor) {
      seen.add(form.form);
      var body = new Map();
      form.body.docs.forEach(function (doc, i) {
        var w = form.body.weights[i] / 255 * (K1 + 1);
        body.set(doc, w);
        put(doc, factor * w);
      });
      form.title.forEach(function (doc) { put(doc, factor * ((body.get(doc) || 0) + TITLE_BOOST)); });
    }
    var exact = exactOnly || groups.some(function (g) { return g.forms.some(function (f) { return f.form === word; }); });
    groups.forEach(function (group) {
      var inGroup = exact ? group.forms.some(function (f) { return f.form === word; }) : stemFallback(group.stem, word);
      group.forms.forEach(function (form) {
        if (exactOnly) { if (form.form === word) add(form, 1); }
        else if (inGroup) add(form, form.form === word ? 1 : STEM);
        else if (prefix && form.form.startsWith(word)) add(form, PREFIX);
      });
    });
    return best;
  }

  function loadMeta() {
    return get('meta.json', true).then(function (meta) {
      if (!meta.shardSet) meta.shardSet = new Set(meta.shards);
      return meta;
    });
  }

  // Ranked documents for the query: {hits: [{doc, score}], forms: Set, phrases, meta}.
  function search(query, filters, typing) {
    var parts = parse(query), ws = [], phrases = [];
    parts.forEach(function (p) {
      if (p.phrase && p.words.length > 1) phrases.push(p.words);
      p.words.forEach(function (w, i) {
        ws.push({ word: w, phrase: p.phrase, next: p.phrase && i + 1 < p.words.length ? p.words[i + 1] : null });
      });
    });
    return loadMeta().then(function (meta) {
      if (!ws.length) return { hits: [], forms: new Set(), phrases: [], meta: meta };
      var seen = new Set(), inPhrases = new Set();
      var perWord = ws.map(function (w, i) {
        var word = w.word, prefix = typing && !w.phrase && i === ws.length - 1;
        var shards = shardsFor(meta, word, prefix);
        // Follower files only for a phrase's words (all but its last).
        var follow = w.next === null ? Promise.resolve(null) :
          Promise.all(shards.map(function (s) { return followFile(meta, s); }));
        return Promise.all([Promise.all(shards.map(function (s) { return get(shardPath(s)); })), follow]).then(function (got) {
          var groups = [], sets = new Map();
          got[0].forEach(function (b, k) {
            var shard = parseShard(b, meta.dense);
            if (got[1]) followers(shard, got[1][k], word, sets);
            groups = groups.concat(shard);
          });
          var m = matchWord(groups, word, prefix, w.phrase ? inPhrases : seen, w.phrase);
          // The word's weight is its own, whatever the phrase keeps.
          var size = m.size;
          if (got[1]) {
            var h = follower(w.next);
            m.forEach(function (v, d) { if (!(sets.has(d) && holds(sets.get(d), h))) m.delete(d); });
          }
          return { m: m, size: size };
        });
      });
      var areaDocs = filters.area ? get('a/' + filters.area + '.bin').then(function (b) {
        return new Set(postings({ b: new Uint8Array(b), i: 0 }, false, 0).docs);
      }) : Promise.resolve(null);
      return Promise.all([Promise.all(perWord), areaDocs]).then(function (all) {
        var matched = all[0], inArea = all[1], n = meta.docs, scores = null;
        matched.forEach(function (word) {
          var m = word.m, idf = Math.log(1 + (n - word.size + 0.5) / (word.size + 0.5)), next = new Map();
          if (scores === null) m.forEach(function (v, d) { next.set(d, idf * v); });
          else scores.forEach(function (s, d) { if (m.has(d)) next.set(d, s + idf * m.get(d)); });
          scores = next;
        });
        var lo = filters.from ? +filters.from : -Infinity, hi = filters.to ? +filters.to : Infinity;
        var ranges = meta.years.filter(function (y) { return y[0] >= lo && y[0] <= hi; });
        var hits = [];
        scores.forEach(function (score, doc) {
          if (inArea && !inArea.has(doc)) return;
          if ((filters.from || filters.to) && !ranges.some(function (y) { return doc >= y[1] && doc <= y[2]; })) return;
          hits.push({ doc: doc, score: score });
        });
        hits.sort(function (a, b) { return (b.score - a.score) || (b.doc - a.doc); });
        // A one-word phrase is marked as a word.
        parts.forEach(function (p) { if (p.phrase && p.words.length === 1) seen.add(p.words[0]); });
        return { hits: hits, forms: seen, phrases: phrases, meta: meta };
      });
    });
  }

  function docInfo(meta, doc) {
    var c = Math.floor(doc / meta.chunk);
    return get('d/' + Math.floor(c / meta.folder) + '/' + c + '.json', true).then(function (chunk) {
      return chunk[doc - c * meta.chunk];
    });
  }

  // Text with the matched words and phrases in <mark>, built as nodes (never as HTML).
  function marked(text, forms, phrases) {
    var frag = document.createDocumentFragment(), at = 0, segs = segments(text), on = segs.map(function (s) { return forms.has(s.form); });
    (phrases || []).forEach(function (p) {
      for (var i = 0; i + p.length <= segs.length; i++) {
        if (p.every(function (w, k) { return segs[i + k].form === w; })) for (var k = 0; k < p.length; k++) on[i + k] = true;
      }
    });
    segs.forEach(function (s, i) {
      if (!on[i]) return;
      frag.appendChild(document.createTextNode(text.slice(at, s.start)));
      var mark = document.createElement('mark');
      mark.textContent = text.slice(s.start, s.end);
      frag.appendChild(mark);
      at = s.end;
    });
    frag.appendChild(document.createTextNode(text.slice(at)));
    return frag;
  }

  function el(tag, cls, child) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (child) e.appendChild(child);
    return e;
  }

  var current = null, shown = 0, run = 0;
  function showMore() {
    var result = current, start = shown, slice = result.hits.slice(start, start + PAGE);
    shown = start + slice.length;
    var mine = run;
    return Promise.all(slice.map(function (h) { return docInfo(result.meta, h.doc); })).then(function (docs) {
      if (mine !== run) return;
      docs.forEach(function (d) {
        var li = el('li'), a = el('a', null, marked(d[0], result.forms, result.phrases));
        a.href = new URL('releases/' + d[3] + '/', root).href;
        li.appendChild(el('h2', null, a));
        var date = el('time');
        date.dateTime = d[2];
        date.textContent = new Date(d[2] + 'T12:00:00Z').toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
        var meta = el('p', 'meta');
        meta.appendChild(document.createTextNode((result.meta.areas[d[1]] || ['', ''])[1] + ' · '));
        meta.appendChild(date);
        li.appendChild(meta);
        li.appendChild(el('p', 'snippet', marked(d[4], result.forms, result.phrases)));
        list.appendChild(li);
      });
      if (moreBox) moreBox.hidden = shown >= result.hits.length;
    });
  }

  function filters() { return { area: area ? area.value : '', from: from ? from.value : '', to: to ? to.value : '' }; }

  function go(typing) {
    var q = input.value, mine = ++run;
    if (!words(q).length) {
      list.textContent = '';
      status.textContent = '';
      if (moreBox) moreBox.hidden = true;
      return Promise.resolve();
    }
    return search(q, filters(), typing && !/[\s"]$/.test(q)).then(function (result) {
      if (mine !== run) return;
      current = result;
      shown = 0;
      list.textContent = '';
      return showMore().then(function () {
        if (mine !== run) return;
        var n = result.hits.length;
        status.textContent = n === 0 ? 'No releases match “' + q.trim() + '”.' :
          n + (n === 1 ? ' release matches' : ' releases match') + ' “' + q.trim() + '”.';
      });
    }, function () {
      if (mine === run) status.textContent = 'Search could not load its index. Browse by force or by date instead.';
    });
  }

  function toUrl(push) {
    var params = new URLSearchParams(), f = filters();
    if (input.value.trim()) params.set('q', input.value.trim());
    ['area', 'from', 'to'].forEach(function (k) { if (f[k]) params.set(k, f[k]); });
    var url = location.pathname + (params.toString() ? '?' + params : '');
    if (url === location.pathname + location.search) return;
    history[push ? 'pushState' : 'replaceState'](null, '', url);
  }

  function fromUrl() {
    var params = new URLSearchParams(location.search);
    input.value = params.get('q') || '';
    if (area) area.value = params.get('area') || '';
    if (from) from.value = params.get('from') || '';
    if (to) to.value = params.get('to') || '';
    go(false);
  }

  var timer = 0, typed = false;
  input.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      // The first keystrokes of a search make one history entry; the rest refine it.
      toUrl(!typed);
      typed = true;
      go(true);
    }, 120);
  });
  form.addEventListener('change', function (e) {
    if (e.target === input) return;
    toUrl(true);
    go(false);
  });
  form.addEventListener('submit', function (e) {
    e.preventDefault();
    clearTimeout(timer);
    toUrl(true);
    typed = false;
    go(false);
  });
  if (moreButton) moreButton.addEventListener('click', function () { showMore(); });
  window.addEventListener('popstate', function () { typed = false; fromUrl(); });
  fromUrl();
}());
