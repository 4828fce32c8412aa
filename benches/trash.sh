# Sourced by the benchmark scripts. discard PATH...: renames what a step
# replaces into $TRASH instead of deleting it. Deleting 200,000 files
# slows every file creation for minutes after on ext4 (without a journal
# most of all), so a timed step that followed a deletion paid for it and
# one that did not, did not. The scripts empty $TRASH at their end, after
# every timed step.
discard() {
    mkdir -p "$TRASH"
    local p
    for p in "$@"; do
        if [ -e "$p" ]; then mv "$p" "$TRASH/$(date +%s%N)-$(basename "$p")"; fi
    done
}
