#!/usr/bin/env python3
"""Converts a blotter content folder into the content of a Hugo site, for
benchmarks/archive.sh: Hugo builds the same archive with equivalent
templates (benches/hugo/), in the same run, on the same machine.

Usage (from the repository root):
    python3 benches/to_hugo.py --content CORPUS --site SITE

CORPUS is a blotter content folder (releases/**.txt and .md sidecars, as
written by benches/gen_corpus.py). SITE/content/ is replaced; copy
benches/hugo/ (config and layouts) into SITE yourself (archive.sh does).

What each release becomes: SITE/content/dates/YYYY/MM/DD/<id>.md with JSON
front matter (title, date with its UTC offset, url /releases/<id>/, the
`areas` and `areayears` taxonomies, description, source URL, and the older
and newer release of the same area, precomputed here as blotter computes
them at build time), then the release body exactly as it is in the .txt
(Hugo renders it as markdown: paragraphs, ` * ` lists and bare links come
out much as blotter's plain-text renderer makes them), then, when the
release has a sidecar, its markdown commentary. Date sections get an
_index.md each, so Hugo makes the year, month and day pages.

The metadata rules follow blotter's (README.md): British day-first dates in
Europe/London time; title from sidecar, og.title, title without its
" | Force" suffix, or the header line; area from sidecar, YAML (mapped to its
canonical name through src/model/forces.toml), a force named in the title,
or the URL's host, else "Unknown area". This is a benchmark converter, not a
second implementation: it handles the shapes gen_corpus.py writes, and
ignores corrections and passage notes (the generator writes none).

Python 3.11+ stdlib only (tomllib, zoneinfo).
"""

import argparse
import html
import json
import os
import re
import shutil
import sys
import tomllib
from datetime import datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
MONTHS = ["January", "February", "March", "April", "May", "June", "July",
          "August", "September", "October", "November", "December"]
STAMP = re.compile(r"^\s*(\d{1,2}):(\d{2}) (\d{1,2})/(\d{1,2})/(\d{4})\s*$")
HEADER = re.compile(r"^\s*date (\d{4})-(\d{2})-(\d{2}) (.*)$")


def load_forces(repo):
    with open(os.path.join(repo, "src", "model", "forces.toml"), "rb") as f:
        table = tomllib.load(f)
    by_alias, hosts, patterns = {}, {}, []
    for area in table.get("area", []):
        name = area["name"]
        by_alias[name.lower()] = name
        for alias in area.get("aliases", []):
            by_alias[alias.lower()] = name
            patterns.append((re.compile(r"\b%s\b" % re.escape(alias), re.I), name))
        for host in area.get("hosts", []):
            hosts[host.lower()] = name
    return by_alias, hosts, patterns


def scalar(v):
    v = v.strip()
    if len(v) >= 2 and v[0] == '"' and v[-1] == '"':
        v = v[1:-1].encode("ascii", "backslashreplace").decode("unicode_escape")
    elif len(v) >= 2 and v[0] == "'" and v[-1] == "'":
        v = v[1:-1].replace("''", "'")
    return html.unescape(v)


def parse_yaml_block(lines):
    """The flat two-level YAML the corpus uses: `key: v` and `  sub: v`."""
    out, parent = {}, None
    for line in lines:
        if not line.strip():
            continue
        key, _, val = line.strip().partition(":")
        if line.startswith(" ") and parent is not None:
            out[parent + "." + key] = scalar(val)
        elif val.strip() == "":
            parent = key
        else:
            parent = None
            out[key] = scalar(val)
    return out


def parse_release(text):
    """(meta dict, naive local datetime, has_time, body)."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    lines = text.split("\n")
    if lines[0].strip() == "```yaml":
        end = lines.index("```", 1)
        meta = parse_yaml_block(lines[1:end])
        rest = lines[end + 1:]
        stamp = meta.get("publish.date")
        if stamp is None:
            i = 0
            while i < len(rest) and not rest[i].strip():
                i += 1
            stamp = rest[i]
            rest = rest[i + 1:]
        m = STAMP.match(stamp)
        hh, mi, dd, mo, yy = map(int, m.groups())
        return meta, datetime(yy, mo, dd, hh, mi), True, "\n".join(rest).strip("\n") + "\n"
    m = HEADER.match(lines[0])
    if m:
        yy, mo, dd = map(int, m.groups()[:3])
        meta = {"header_title": m.group(4).strip()}
        return meta, datetime(yy, mo, dd), False, "\n".join(lines[1:]).strip("\n") + "\n"
    raise ValueError("unknown release shape")


def parse_sidecar(text):
    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    meta = {}
    if text.startswith("---\n"):
        end = text.index("\n---\n", 3)
        for line in text[4:end].split("\n"):
            key, _, val = line.partition(":")
            val = val.strip()
            if key == "tags":
                meta["tags"] = [t.strip() for t in val.strip("[]").split(",") if t.strip()]
            elif key in ("title", "area", "date"):
                meta[key] = scalar(val)
        text = text[end + 5:]
    return meta, text.strip("\n") + "\n"


def resolve(meta, side, forces):
    by_alias, hosts, patterns = forces
    title = side.get("title") or meta.get("og.title")
    if not title and meta.get("title"):
        title = meta["title"].rsplit(" | ", 1)[0] if " | " in meta["title"] else meta["title"]
    title = title or meta.get("header_title") or "Untitled"
    area = side.get("area") or meta.get("area")
    if area:
        area = by_alias.get(area.lower(), area)
    else:
        hits = [(m.start(), name) for pat, name in patterns for m in [pat.search(title)] if m]
        if hits:
            area = min(hits)[1]
        else:
            host = re.sub(r"^https?://(www\.)?", "", meta.get("url", "")).split("/")[0].lower()
            area = hosts.get(host, "Unknown area")
    return title, area


def write(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--content", required=True)
    ap.add_argument("--site", required=True)
    ap.add_argument("--repo", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    a = ap.parse_args(argv)
    forces = load_forces(a.repo)

    releases = []
    root = os.path.join(a.content, "releases")
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            if not name.endswith(".txt"):
                continue
            path = os.path.join(dirpath, name)
            with open(path, encoding="utf-8") as f:
                meta, local, has_time, body = parse_release(f.read())
            side, commentary = {}, None
            side_path = path[:-4] + ".md"
            if os.path.exists(side_path):
                with open(side_path, encoding="utf-8") as f:
                    side, commentary = parse_sidecar(f.read())
            title, area = resolve(meta, side, forces)
            stamp = local.replace(tzinfo=LONDON)
            releases.append({
                "id": name[:-4], "title": title, "area": area, "local": local,
                "date": stamp.isoformat(), "has_time": has_time, "body": body,
                "commentary": commentary, "description": meta.get("og.description"),
                "source": meta.get("url"),
            })

    # Older/newer within the area, newest first (blotter's pager).
    by_area = {}
    for r in releases:
        by_area.setdefault(r["area"], []).append(r)
    for rs in by_area.values():
        rs.sort(key=lambda r: (r["local"], r["id"]), reverse=True)
        for i, r in enumerate(rs):
            r["newer"] = rs[i - 1] if i > 0 else None
            r["older"] = rs[i + 1] if i + 1 < len(rs) else None

    content = os.path.join(a.site, "content")
    if os.path.exists(content):
        shutil.rmtree(content)
    dates = os.path.join(content, "dates")
    os.makedirs(dates)
    write(os.path.join(content, "_index.md"), '{"title": "Police press release archive"}\n')
    write(os.path.join(dates, "_index.md"), '{"title": "Dates", "level": "root"}\n')
    made = set()
    for r in releases:
        d = r["local"]
        parts = ["%04d" % d.year, "%02d" % d.month, "%02d" % d.day]
        titles = [str(d.year), "%s %d" % (MONTHS[d.month - 1], d.year),
                  "%d %s %d" % (d.day, MONTHS[d.month - 1], d.year)]
        for depth, level in enumerate(("year", "month", "day")):
            rel = "/".join(parts[:depth + 1])
            if rel not in made:
                made.add(rel)
                os.makedirs(os.path.join(dates, rel), exist_ok=True)
                write(os.path.join(dates, rel, "_index.md"),
                      json.dumps({"title": titles[depth], "level": level}) + "\n")
        link = lambda o: {"url": "/releases/%s/" % o["id"], "title": o["title"]} if o else None
        fm = {
            "title": r["title"],
            "date": r["date"],
            "url": "/releases/%s/" % r["id"],
            "areas": [r["area"]],
            "areayears": ["%s %d" % (r["area"], d.year)],
            "time_text": d.strftime("%H:%M") if r["has_time"] else "",
            "annotated": r["commentary"] is not None,
        }
        for key in ("description", "source"):
            if r[key]:
                fm[key] = r[key]
        for key in ("older", "newer"):
            if r[key]:
                fm[key] = link(r[key])
        text = json.dumps(fm, ensure_ascii=False, indent=1) + "\n\n" + r["body"]
        if r["commentary"] is not None:
            text += "\n## Commentary\n\n" + r["commentary"]
        write(os.path.join(dates, *parts, r["id"] + ".md"), text)
    print("to_hugo: %d releases, %d areas, %d date sections -> %s"
          % (len(releases), len(by_area), len(made), content), file=sys.stderr)


if __name__ == "__main__":
    main()
