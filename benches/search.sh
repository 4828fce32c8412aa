#!/usr/bin/env bash
# Search index figures per corpus: clean builds without and with search,
# alternated --repeat times (default 3), as medians of wall time, CPU
# time (user + sys) and peak memory, and the index's stages; the index's size, file
# count, largest file and fullest folder against the release text, a
# no-op and two one-file rebuilds (a word added, and a quarter of the
# release's text added, which re-weighs all its words), and the bytes a reader downloads for a
# one-word, a two-word and a phrase query (client script, meta.json, the
# shards the query needs, a phrase's follower files, and the first page's
# metadata chunks, found by
# running the query as the client does: examples/search_bytes.rs). With
# --pagefind DIR (a folder where `npm install pagefind@1.6` was run),
# Pagefind indexes the same site's pages and the ratios are printed.
#   benches/search.sh [--pagefind DIR] [--work DIR] [--repeat N] CORPUS_DIR...
# A CORPUS_DIR holds releases/ (e.g. /work/ref/corpus10k). It is linked,
# not copied, and never written: the one-file edit replaces its file.
# Sites are moved to a trash folder, emptied at the end, rather than
# deleted between builds (benches/trash.sh): creating files just after
# deleting a 100,000-release site slowed a build by up to half, which
# would time the filesystem instead of the index.
set -euo pipefail
pagefind='' work='' repeat=3
while [ $# -gt 0 ]; do
    case $1 in
        --pagefind) pagefind=$2; shift 2 ;;
        --work) work=$2; shift 2 ;;
        --repeat) repeat=$2; shift 2 ;;
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

# build NAME CONTENT SITE: a timed build; prints "wall-seconds KiB cpu-seconds".
build() {
    /usr/bin/time -f '%e %M %U %S' -o "$work/time" env BLOTTER_TIMINGS=1 \
        "$bin" build --content "$2" --output "$3" --base-url "$url" 2>"$work/timings-$1" >/dev/null || true
    awk '{print $1, $2, $3 + $4}' "$work/time"
}
sum() { awk '{s+=$1} END {print s+0}'; }
median() { sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
TRASH=$work/trash
. "$here/benches/trash.sh"
# Seconds spent in the search stages of a build, from its timings.
stages() { grep -E '^timing: search' "$work/timings-$1" | sed -E 's/.* ([0-9.]+) s  \(at.*/\1/' | sum; }

for corpus in "$@"; do
    n=$(find "$corpus/releases" -name '*.txt' | wc -l)
    content=$work/content-$n
    discard "$content" "$work"/site-"$n"* "$work"/.site-"$n"*
    cp -al "$corpus" "$content"
    rm -f "$content/site.toml"
    echo "## $n releases"
    : >"$work/clean-off"; : >"$work/clean-on"; : >"$work/stages"
    for i in $(seq "$repeat"); do
        discard "$work"/site-"$n"* "$work"/.site-"$n"*
        printf 'search = false\n' >"$content/site.toml"
        build off "$content" "$work/site-$n-off" >>"$work/clean-off"
        printf 'search = true\n' >"$content/site.toml"
        build on "$content" "$work/site-$n" >>"$work/clean-on"
        stages on >>"$work/stages"
    done
    col() { awk -v c="$1" '{print $c}' "$2" | median; }
    off_s=$(col 1 "$work/clean-off") on_s=$(col 1 "$work/clean-on")
    off_cpu=$(col 3 "$work/clean-off") on_cpu=$(col 3 "$work/clean-on")
    off_k=$(col 2 "$work/clean-off") on_k=$(col 2 "$work/clean-on")
    stages=$(median <"$work/stages")
    pct() { awk "BEGIN {printf \"%.0f\", 100*($2/$1-1)}"; }
    echo "clean build (median of $repeat, alternated): search off $off_s s, $off_cpu s CPU, $off_k KiB;" \
        "on $on_s s, $on_cpu s CPU, $on_k KiB" \
        "(+$(pct "$off_s" "$on_s")% time, +$(pct "$off_cpu" "$on_cpu")% CPU; search stages $stages s)"
    echo "  wall seconds off: $(awk '{printf "%s ", $1}' "$work/clean-off")on: $(awk '{printf "%s ", $1}' "$work/clean-on")"
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
    # A quarter of the release's text added: its length leaves its cell of
    # the weights' grid, so every word of it is weighed again (the slowest
    # one-file edit).
    rm "$one" && { cat "$work/saved.txt"; echo; awk 'NR > 1 && /^$/ {b = 1} b' "$work/saved.txt" |
        awk -v n="$(wc -l <"$work/saved.txt")" 'NR <= n / 4'; } >"$one"
    read -r reweigh_s _ < <(build reweigh "$content" "$site")
    rm "$one" && cp "$work/saved.txt" "$one"
    echo "rebuilds: no-op $noop_s s; one-file edit $edit_s s" \
        "(search stages $(stages edit) s); an edit that re-weighs the release $reweigh_s s" \
        "(search stages $(stages reweigh) s)"
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
    discard "$content" "$work"/site-"$n"* "$work"/.site-"$n"* "$work/pagefind-$n"
done
rm -rf "$TRASH"
