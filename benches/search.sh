#!/usr/bin/env bash
# Search index figures for a corpus: what the index adds to a clean build,
# its size and file count, and the bytes a reader's browser fetches for a
# one-word, a two-word and a phrase query (measured in headless Chromium by
# ../shared/verify/check-search.mjs when it is installed: scripts and data
# fetched up to the first results, pages and styles not counted).
#   benches/search.sh CORPUS_DIR [WORK_DIR]
# CORPUS_DIR holds releases/ (e.g. /work/ref/corpus10k, or one made by
# benches/gen_corpus.py for 100,000 releases).
set -euo pipefail
corpus=${1:?usage: benches/search.sh CORPUS_DIR [WORK_DIR]}
work=${2:-$(mktemp -d)}
mkdir -p "$work"
# A copy: the one-file rebuild below edits a release.
rm -rf "$work/content" && cp -r "$corpus" "$work/content"
corpus=$work/content
here=$(cd "$(dirname "$0")/.." && pwd)
verify=${VERIFY:-$here/../shared/verify}
(cd "$here" && cargo build --release --quiet)
bin=$here/target/release/blotter
site=$work/site
rm -rf "$site" "$work/.site.blotter-cache"
/usr/bin/time -f '%e s wall, %M KiB peak' -o "$work/time" env BLOTTER_TIMINGS=1 \
    "$bin" build --content "$corpus" --output "$site" --base-url https://example.github.io/archive/ \
    2>"$work/timings" >/dev/null || true
echo "clean build: $(cat "$work/time")"
grep -E 'timing: search index' "$work/timings" | sed 's/^timing: /  of which /'
text=$(find "$corpus/releases" -name '*.txt' -printf '%s\n' | awk '{s+=$1} END {print s}')
index=$(find "$site/search" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
files=$(find "$site/search" -type f | wc -l)
biggest=$(find "$site/search" -type f -printf '%s %P\n' | sort -n | tail -1)
crowded=$(find "$site/search" -type d -exec sh -c 'echo "$(ls "$1" | wc -l) $1"' _ {} \; | sort -n | tail -1)
echo "index: $index bytes in $files files ($(awk "BEGIN {printf \"%.1f\", 100*$index/$text}")% of $text bytes of release text)"
echo "  largest file: $biggest; fullest folder: ${crowded#"$site/"}"
echo "  cache: $(stat -c %s "$work/.site.blotter-cache/search") bytes"
echo "  client: $(stat -c %s "$site/static/search.js") bytes of search.js"
# A one-file rebuild: one release's text changes.
one=$(find "$corpus/releases" -name '*.txt' | sort | sed -n 1p)
cp "$one" "$work/saved.txt"
echo "Zebedee" >>"$one"
start=$(date +%s.%N)
BLOTTER_TIMINGS=1 "$bin" build --content "$corpus" --output "$site" --base-url https://example.github.io/archive/ \
    2>"$work/timings2" >/dev/null || true
end=$(date +%s.%N)
cp "$work/saved.txt" "$one"
echo "one-file rebuild: $(awk "BEGIN {printf \"%.2f\", $end-$start}") s; $(grep -E 'timing: search index' "$work/timings2" | sed 's/^timing: //')"
"$bin" build --content "$corpus" --output "$site" --base-url https://example.github.io/archive/ >/dev/null 2>&1 || true
if [ -f "$verify/check-search.mjs" ] && [ -d /opt/verify/node/node_modules ]; then
    for q in police 'county lines' '"county lines"'; do
        line=$(node "$verify/check-search.mjs" "$site" /archive/ --page search/index.html --query "$q" 2>&1 | tail -1)
        echo "query $q: ${line#Search: }"
    done
else
    echo "(bytes per query need ../shared/verify: bash ../shared/verify/install.sh)"
fi
