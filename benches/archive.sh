#!/usr/bin/env bash
# Archive-scale benchmark for blotter (issue 5).
#
# usage: benches/archive.sh [--sizes "1000 10000 50000 100000"] [--seed 1] [--work DIR] [--clean-only] [--settle SECONDS] [--repeat N]
#
# Builds blotter in release mode once, then for each size:
#   1. generates a corpus with benches/gen_corpus.py (cached in the work dir);
#   2. times a clean `blotter build` with /usr/bin/time -v (wall, user, sys, peak RSS);
#   3. times a rebuild with nothing changed, one after editing one sidecar, and
#      one after editing one release; for each, counts the output files
#      rewritten (mtime newer than a stamp) and the files whose bytes changed
#      (md5 manifest before and after);
#   4. when `hugo` is on PATH: converts the corpus with benches/to_hugo.py
#      (cached), times a clean Hugo build of benches/hugo/ the same way, and
#      times the I/O floor: `cp -r` of Hugo's output (and of blotter's), after
#      `sync`.
# --clean-only skips the rebuilds, Hugo and the floor (for a quick memory check
# at a large size; their columns print as "-").
# --settle S waits S seconds (after `sync`) before each timed step. On ext4
# without a journal (as on the VM these numbers come from), creating files
# soon after deleting many is slow: the inode allocator reads the inode table
# to skip inodes freed in the last 60 s, or 360 s while their inode-table
# block is still dirty (fs/ext4/ialloc.c, recently_deleted()), and making
# new inodes dirties the blocks again. So no timed step follows a deletion:
# what a step replaces (the previous output, Hugo's public/, a floor copy)
# is renamed into $WORK/trash, emptied after the last timed step. --settle 61
# lets whatever ran before the benchmark fade. Default 0.
# --repeat N times each rebuild N times (each sidecar and release rebuild after
# one more edit) and reports the median wall time; every sample is in the
# details. Default 1.
#
# Right after each timed step, a CPU probe times a fixed single-threaded
# Python loop. A shared VM's speed drifts, at times to about half, and
# every timing drifts with it; the probe says which of a run's figures were
# taken on a slowed host.
# Prints a markdown table and writes it, with the machine and per-step
# details, to $WORK/results.md. Everything generated goes to the work dir
# (default /tmp/blotter-bench), never into the repository. Corpora are
# restored after the edits, so the cache stays valid across runs.
#
# Caches are warm: the corpus was just read or written, so no step pays for
# cold disk reads. Deleting a copy of blotter's output is timed too, after
# every other step (a rebuild replaces the previous output, and deleting is
# slow on some file systems). Other processes on the machine skew wall time;
# the load average is recorded at each step.

set -Eeuo pipefail

SIZES="1000 10000 50000 100000"
SEED=1
WORK=/tmp/blotter-bench
BASE_URL=https://example.org/archive/
CLEAN_ONLY=
SETTLE=0
REPEAT=1

usage() { sed -n '4p' "$0" | sed 's/^# //' >&2; exit 2; }
while [ $# -gt 0 ]; do
    case "$1" in
        --sizes) SIZES="$2"; shift 2 ;;
        --seed) SEED="$2"; shift 2 ;;
        --work) WORK="$2"; shift 2 ;;
        --clean-only) CLEAN_ONLY=1; shift ;;
        --settle) SETTLE="$2"; shift 2 ;;
        --repeat) REPEAT="$2"; shift 2 ;;
        -h|--help) usage ;;
        *) echo "unknown argument: $1" >&2; usage ;;
    esac
done
case "$REPEAT" in ''|*[!0-9]*|0) echo "--repeat takes a whole number of at least 1" >&2; usage ;; esac

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mkdir -p "$WORK/logs" "$WORK/time"
WORK=$(cd "$WORK" && pwd)
case "$WORK/" in "$REPO"/*) echo "--work must be outside the repository" >&2; exit 2 ;; esac
export RUST_BACKTRACE=0

# Pipelines never end early (no `head`): with pipefail, a SIGPIPE would stop the run.
trap 'echo "archive.sh: failed at line $LINENO: $BASH_COMMAND" >&2' ERR
log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
load() { cut -d' ' -f1 /proc/loadavg; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 2; }

# probe: seconds a fixed single-threaded Python loop takes (see the header).
probe() { python3 -c 'import time
t = time.perf_counter()
s = 0
for i in range(3_000_000): s += i
print(f"{time.perf_counter() - t:.2f}")'; }
# stats X...: "MEDIAN LOW HIGH" of the values (the lower middle of an even count).
stats() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
    END { print v[int((NR + 1) / 2)], v[1], v[NR] }'; }

# timed NAME CMD... : runs CMD under /usr/bin/time -v; output in $WORK/logs,
# measurements in $WORK/time/NAME.txt. Sets WALL (s), RSS (MiB), USR, SYS (s)
# and PROBE (s, the CPU probe run right after).
timed() {
    local name=$1; shift
    local t="$WORK/time/$name.txt"
    sync; if [ "$SETTLE" != 0 ]; then sleep "$SETTLE"; fi
    local start_load; start_load=$(load)
    if ! /usr/bin/time -v -o "$t" "$@" >"$WORK/logs/$name.out" 2>"$WORK/logs/$name.err"; then
        echo "FAILED: $*" >&2; tail -20 "$WORK/logs/$name.err" >&2; cat "$t" >&2; exit 1
    fi
    WALL=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0;
        for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.2f", s }' "$t")
    RSS=$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$t")
    USR=$(awk -F': ' '/User time \(seconds\)/ { print $2 }' "$t")
    SYS=$(awk -F': ' '/System time \(seconds\)/ { print $2 }' "$t")
    PROBE=$(probe)
    PROBES+=("$PROBE")
    printf '%s\twall %s s\tuser %s s\tsys %s s\trss %s MiB\tload %s\tprobe %s s\n' \
        "$name" "$WALL" "$USR" "$SYS" "$RSS" "$start_load" "$PROBE" >>"$WORK/details.tsv"
    log "  $name: ${WALL}s wall (user ${USR}s, sys ${SYS}s), ${RSS} MiB peak RSS, load $start_load, probe ${PROBE}s"
}

manifest() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 md5sum) >"$2"; }
changed() { diff "$1" "$2" | grep -c '^>' || true; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else print "-" }'; }
# What a step replaces is moved to the trash, not deleted (benches/trash.sh):
# blotter's clean build used to follow the removal of its previous output,
# and the floor's `cp -r` nothing. The trash is emptied at the end, after
# the deletion timing, which runs last.
TRASH="$WORK/trash"
. "$(dirname "$0")/trash.sh"

log "building blotter (cargo build --release)"
(cd "$REPO" && cargo build --release --quiet)
BLOTTER="$WORK/blotter"
cp "$REPO/target/release/blotter" "$BLOTTER"
COMMIT=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
DIRTY=$(git -C "$REPO" status --porcelain -- src Cargo.toml Cargo.lock themes 2>/dev/null | sed -n '1p')
[ -n "$DIRTY" ] && COMMIT="$COMMIT (src modified)"

HUGO=$(command -v hugo || true)
if [ -n "$HUGO" ]; then
    HUGO_VERSION=$("$HUGO" version | awk '{ print $2 }')
    log "hugo: $HUGO ($HUGO_VERSION)"
else
    HUGO_VERSION="not installed"
    log "hugo not found: Hugo and I/O floor columns will be empty (apt-get install hugo)"
fi

: >"$WORK/details.tsv"
ROWS=()
PROBES=()
DELETE_LATER=()
BACKUP="$WORK/edit-backup"
restore() { if [ -d "$BACKUP" ] && [ -n "$(ls -A "$BACKUP" 2>/dev/null)" ]; then
    while IFS=$'\t' read -r saved orig; do cp -p "$saved" "$orig"; done <"$BACKUP/index"
    rm -rf "$BACKUP"; fi; }
trap restore EXIT

for N in $SIZES; do
    log "== $N releases (seed $SEED)"
    CORPUS="$WORK/corpus-$N-s$SEED"
    if [ ! -f "$CORPUS/.complete" ]; then
        log "  generating corpus"
        rm -rf "$CORPUS"
        python3 "$REPO/benches/gen_corpus.py" --count "$N" --seed "$SEED" --out "$CORPUS"
        touch "$CORPUS/.complete"
    fi
    CORPUS_MB=$(du -sm "$CORPUS" | cut -f1)
    OUT="$WORK/out-$N"

    # Clean build: no output, no build cache (parse cache and manifest).
    discard "$OUT" "$WORK/.out-$N.blotter-cache"; sync
    find "$CORPUS/releases" -type f -exec cat {} + >/dev/null   # warm cache, as for Hugo
    timed "blotter-clean-$N" "$BLOTTER" build --content "$CORPUS" --output "$OUT" --base-url "$BASE_URL"
    B_WALL=$WALL; B_RSS=$RSS; B_USR=$USR; B_SYS=$SYS
    B_FILES=$(find "$OUT" -type f | wc -l); B_MB=$(du -sm "$OUT" | cut -f1)
    log "  blotter: $(tail -1 "$WORK/logs/blotter-clean-$N.out"); $B_FILES files, $B_MB MB"

    # Rebuilds: nothing changed, one sidecar edited, one release edited.
    INCR=(- - - - - - - - - - - -)
    if [ -z "$CLEAN_ONLY" ]; then
    manifest "$OUT" "$WORK/manifest-0"
    mkdir -p "$BACKUP"; : >"$BACKUP/index"
    SIDECAR=$(find "$CORPUS/releases" -name '*.md' | sort | sed -n '1p')
    RELEASE=$(find "$CORPUS/releases" -name '*.txt' | sort | sed -n '2p')
    i=0
    for f in "$SIDECAR" "$RELEASE"; do
        i=$((i + 1)); cp -p "$f" "$BACKUP/$i"; printf '%s\t%s\n' "$BACKUP/$i" "$f" >>"$BACKUP/index"
    done
    INCR=()
    for step in noop sidecar release; do
        walls=(); rss_max=0
        for ((r = 1; r <= REPEAT; r++)); do
            sync; touch "$WORK/stamp"; sleep 0.05
            case $step in
                sidecar) printf '\nBenchmark edit %s: one more sentence of commentary.\n' "$r" >>"$SIDECAR" ;;
                release) printf '\nBenchmark edit %s: one more paragraph of release text.\n' "$r" >>"$RELEASE" ;;
            esac
            name="blotter-$step-$N"; [ "$REPEAT" = 1 ] || name="$name-$r"
            timed "$name" "$BLOTTER" build --content "$CORPUS" --output "$OUT" --base-url "$BASE_URL"
            walls+=("$WALL"); if [ "$RSS" -gt "$rss_max" ]; then rss_max=$RSS; fi
            rewritten=$(find "$OUT" -type f -newer "$WORK/stamp" | wc -l)
            manifest "$OUT" "$WORK/manifest-1"
            diff_files=$(changed "$WORK/manifest-0" "$WORK/manifest-1")
            diff "$WORK/manifest-0" "$WORK/manifest-1" | sed -n 's/^> [0-9a-f]*  \.\//    changed: /p' | sed -n '1,5p' >>"$WORK/details.tsv" || true
            mv "$WORK/manifest-1" "$WORK/manifest-0"
            printf '%s\trewrote %s files\t%s files changed bytes\n' "$name" "$rewritten" "$diff_files" >>"$WORK/details.tsv"
            log "  $step rebuild: rewrote $rewritten files, $diff_files changed bytes"
        done
        read -r wall _ _ <<<"$(stats "${walls[@]}")"
        [ "$REPEAT" = 1 ] || printf '%s\tmedian of %s: %s s (samples: %s)\n' "blotter-$step-$N" "$REPEAT" "$wall" "${walls[*]}" >>"$WORK/details.tsv"
        INCR+=("$wall" "$rss_max" "$rewritten" "$diff_files")
    done
    restore; trap restore EXIT
    fi

    H_WALL=""; H_RSS=""; F_WALL=""; FB_WALL=""; H_FILES=""; H_MB=""
    if [ -n "$HUGO" ] && [ -z "$CLEAN_ONLY" ]; then
        SITE="$WORK/hugo-$N-s$SEED"
        if [ ! -f "$SITE/.complete" ] || [ "$CORPUS/.complete" -nt "$SITE/.complete" ]; then
            log "  converting corpus for Hugo"
            rm -rf "$SITE"; mkdir -p "$SITE"
            python3 "$REPO/benches/to_hugo.py" --content "$CORPUS" --site "$SITE"
            touch "$SITE/.complete"
        fi
        rm -rf "$SITE/layouts" "$SITE/static"
        cp -r "$REPO/benches/hugo/." "$SITE/"
        mkdir -p "$SITE/static/static"
        cp "$REPO/themes/default/static/style.css" "$SITE/static/static/"
        discard "$SITE/public" "$SITE/resources"; sync
        find "$SITE/content" -type f -exec cat {} + >/dev/null
        timed "hugo-clean-$N" "$HUGO" --source "$SITE" --destination "$SITE/public" \
            --cacheDir "$WORK/hugo-cache" --quiet
        H_WALL=$WALL; H_RSS=$RSS
        H_FILES=$(find "$SITE/public" -type f | wc -l); H_MB=$(du -sm "$SITE/public" | cut -f1)
        log "  hugo: $H_FILES files, $H_MB MB"

        discard "$WORK/floor-$N" "$WORK/floor-blotter-$N"; sync
        timed "floor-hugo-out-$N" cp -r "$SITE/public" "$WORK/floor-$N"
        F_WALL=$WALL
        timed "floor-blotter-out-$N" cp -r "$OUT" "$WORK/floor-blotter-$N"
        FB_WALL=$WALL
        DELETE_LATER+=("$N")
    fi

    PER_1K=$(awk -v s="$B_WALL" -v n="$N" 'BEGIN { printf "%.3f", s * 1000 / n }')
    ROWS+=("| $N | $B_WALL | $B_RSS | $PER_1K | ${INCR[0]} | ${INCR[4]} | ${INCR[8]} | ${INCR[10]} / ${INCR[11]} | ${H_WALL:--} | ${H_RSS:--} | ${F_WALL:--} | $(ratio "${H_WALL:-0}" "$B_WALL") | $(ratio "$B_WALL" "${F_WALL:-0}") |")
    printf '%s\tcorpus %s MB\tblotter out %s files %s MB\thugo out %s files %s MB\tfloor(hugo out) %s s\tfloor(blotter out) %s s\tblotter user %s s sys %s s\n' \
        "size-$N" "$CORPUS_MB" "$B_FILES" "$B_MB" "${H_FILES:--}" "${H_MB:--}" "${F_WALL:--}" "${FB_WALL:--}" "$B_USR" "$B_SYS" >>"$WORK/details.tsv"
done

# Deleting a copy of blotter's output is timed last: it would slow every
# step after it. Then the trash goes, untimed.
for N in "${DELETE_LATER[@]}"; do
    timed "delete-blotter-out-copy-$N" rm -rf "$WORK/floor-blotter-$N"
done
log "emptying $TRASH"
rm -rf "$TRASH"

{
    echo "# blotter archive benchmark"
    echo
    echo "- date: $(date -u +%Y-%m-%dT%H:%MZ)"
    echo "- machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(free -g | awk '/^Mem:/ { print $2 }') GiB RAM, $(uname -sr)"
    echo "- load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "- blotter: commit $COMMIT, release build; hugo: $HUGO_VERSION; seed $SEED"
    echo "- command: benches/archive.sh --sizes \"$SIZES\" --seed $SEED --work $WORK${CLEAN_ONLY:+ --clean-only} --settle $SETTLE --repeat $REPEAT"
    read -r probe_mid probe_low probe_high <<<"$(stats "${PROBES[@]}")"
    echo "- CPU probe (a fixed Python loop, after each timed step; about 0.2 s on an idle host): median $probe_mid s, range $probe_low to $probe_high s"
    echo
    echo "Times are wall seconds, RSS is peak resident MiB (/usr/bin/time -v). Rebuilds run on the"
    echo "previous output (with --repeat, the median of its samples); \"rewritten / changed\" counts the files the release-edit rebuild rewrote"
    echo "vs those whose bytes differ. I/O floor = cp -r of Hugo's output."
    echo
    echo "| releases | blotter clean s | RSS MiB | s per 1k | no-op rebuild s | sidecar-edit rebuild s | release-edit rebuild s | files rewritten / changed | hugo s | hugo RSS MiB | I/O floor s | hugo / blotter | blotter / floor |"
    echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    printf '%s\n' "${ROWS[@]}"
    echo
    echo "## Details"
    echo
    echo '```'
    cat "$WORK/details.tsv"
    echo '```'
} >"$WORK/results.md"

echo
sed -n '/^| releases/,/^$/p' "$WORK/results.md"
log "results written to $WORK/results.md"
