#!/usr/bin/env bash
# Search index figures per corpus: a clean build without and with search
# (wall time, peak memory, the index's stages), the index's size, file
# count, largest file and fullest folder against the release text, a
# no-op and a one-file rebuild, and the bytes a reader downloads for a
# one-word, a two-word and a phrase query (client script, meta.json, the
# shards the query needs, a phrase's follower files, and the first page's
# metadata chunks, found by
# running the query as the client does: examples/search_bytes.rs). With
# --pagefind DIR (a folder where `npm install pagefind@1.6` was run),
# Pagefind indexes the same site's pages and the ratios are printed.
#   benches/search.sh [--pagefind DIR] [--work DIR] CORPUS_DIR...
# A CORPUS_DIR holds releases/ (e.g. /work/ref/corpus10k). It is linked,
# not copied, and never written: the one-file edit replaces its file.
set -euo pipefail
pagefind='' work=''
while [ $# -gt 0 ]; do
    case $1 in
        --pagefind) pagefind=$2; shift 2 ;;
        --work) work=$2; shift 2 ;;
        *) break ;;
    esac
done
[ $# -gt 0 ] || { echo "usage: benches/search.sh [--pagefind DIR] [--work DIR] CORPUS_DIR..." >&2; exit 2; }
work=${work:-$(mktemp -d)}
mkdir -p "$work"
here=$(cd "$(dirname "$0")/.." && pwd)
(cd "$here" && cargo build --release --quiet && cargo build --release --quiet --example search_bytes)
bin=$here/target/release/blotter
bytes=$here/target/release/examples/search_bytes
url=https://example.github.io/archive/

# build NAME CONTENT SITE: a timed build; prints "seconds KiB".
build() {
    /usr/bin/time -f '%e %M' -o "$work/time" env BLOTTER_TIMINGS=1 \
        "$bin" build --content "$2" --output "$3" --base-url "$url" 2>"$work/timings-$1" >/dev/null || true
    cat "$work/time"
}
sum() { awk '{s+=$1} END {print s+0}'; }
# Seconds spent in the search stages of a build, from its timings.
stages() { grep -E '^timing: search' "$work/timings-$1" | sed -E 's/.* ([0-9.]+) s  \(at.*/\1/' | sum; }

for corpus in "$@"; do
    n=$(find "$corpus/releases" -name '*.txt' | wc -l)
    content=$work/content-$n
    rm -rf "$content" "$work"/site-"$n"* "$work"/.site-"$n"*
    cp -al "$corpus" "$content"
    rm -f "$content/site.toml"
    echo "## $n releases"
    printf 'search = false\n' >"$content/site.toml"
    read -r off_s off_k < <(build off "$content" "$work/site-$n-off")
    printf 'search = true\n' >"$content/site.toml"
    read -r on_s on_k < <(build on "$content" "$work/site-$n")
    stages=$(stages on)
    echo "clean build: search off $off_s s, $off_k KiB; on $on_s s, $on_k KiB" \
        "(+$(awk "BEGIN {printf \"%.0f\", 100*($on_s/$off_s-1)}")% time; search stages $stages s)"
    site=$work/site-$n
    text=$(find "$corpus/releases" -name '*.txt' -printf '%s\n' | sum)
    index=$(find "$site/search" -type f -printf '%s\n' | sum)
    files=$(find "$site/search" -type f | wc -l)
    biggest=$(find "$site/search" -type f -printf '%s %P\n' | sort -n | tail -1)
    crowded=$(find "$site/search" -type d -exec sh -c 'echo "$(ls "$1" | wc -l) $1"' _ {} \; | sort -n | tail -1)
    echo "index: $index bytes in $files files ($(awk "BEGIN {printf \"%.1f\", 100*$index/$text}")% of $text bytes of release text)"
    folder=${crowded#* }
    echo "  largest file: $biggest; fullest folder: ${crowded%% *} ${folder#"$site/"}"
    echo "  search cache: $(find "$work/.site-$n.blotter-cache/search" -type f -printf '%s\n' | sum) bytes"
    read -r noop_s _ < <(build noop "$content" "$site")
    one=$(find "$content/releases" -name '*.txt' | sort | sed -n 1p)
    cp "$one" "$work/saved.txt"
    rm "$one" && { cat "$work/saved.txt"; echo "Zebedee"; } >"$one"
    read -r edit_s _ < <(build edit "$content" "$site")
    rm "$one" && cp "$work/saved.txt" "$one"
    echo "rebuilds: no-op $noop_s s; one-file edit $edit_s s" \
        "(search stages $(stages edit) s)"
    "$bytes" "$site" police 'county lines' '"county lines"' | sed 's/^/query: /'
    if [ -n "$pagefind" ]; then
        rm -rf "$work/pagefind-$n"
        pf_rc=0
        /usr/bin/time -f '%e %M' -o "$work/time" "$pagefind/node_modules/.bin/pagefind" \
            --site "$work/site-$n-off" --output-path "$work/pagefind-$n" >/dev/null 2>&1 || pf_rc=$?
        # Killed (out of memory, say), time writes a line about it first.
        read -r pf_s pf_k < <(tail -1 "$work/time")
        if [ "$pf_rc" -ne 0 ]; then
            echo "pagefind: failed (exit $pf_rc) after $pf_s s at $pf_k KiB; no index"
        else
            pf_bytes=$(find "$work/pagefind-$n" -type f -printf '%s\n' | sum)
            pf_files=$(find "$work/pagefind-$n" -type f | wc -l)
            echo "pagefind: $pf_s s, $pf_k KiB, $pf_bytes bytes in $pf_files files" \
                "(pagefind / blotter: time $(awk "BEGIN {printf \"%.2f\", $pf_s/$stages}")," \
                "size $(awk "BEGIN {printf \"%.2f\", $pf_bytes/$index}"), files $(awk "BEGIN {printf \"%.2f\", $pf_files/$files}"))"
        fi
    fi
    rm -rf "$content" "$work"/site-"$n"* "$work"/.site-"$n"* "$work/pagefind-$n"
done
