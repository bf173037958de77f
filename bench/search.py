"""The admin text search on 100,000 rows: LIKE patterns (before) against instr (now).

Builds an in-memory SQLite table shaped like `inquiries` (site_id, search_text,
fields_json, submitted_ms, id) with 100,000 rows of one site, then times the list query's
text condition both ways, for a short term, a 48-byte term and a 120-byte one (LIKE
patterns over 50 bytes are refused by D1, so its figure is only measurable here), with a
hit in 1 of 1,000 rows. Prints the median of 7 runs per case. Run:
`python3 bench/search.py`.
"""

import json
import random
import sqlite3
import statistics
import time

ROWS = 100_000
random.seed(7)
WORDS = "the analytical engine printer robot arm invoice refund outage müller straße 東京 🦀".split()

db = sqlite3.connect(":memory:")
db.execute(
    "CREATE TABLE inquiries (id TEXT, site_id TEXT, submitted_ms INTEGER, "
    "search_text TEXT, fields_json TEXT)"
)
db.execute("CREATE INDEX by_site_date ON inquiries (site_id, submitted_ms, id)")
rows = []
needle = ("the analytical engine stopped printing after the last firmware update, twice, "
          "and the robot arm in hall 7 now waits for a part that was ordered in may")
for i in range(ROWS):
    message = " ".join(random.choice(WORDS) for _ in range(40))
    if i % 1000 == 0:
        message += " " + needle
    fields = {"name": f"visitor {i}", "email": f"v{i}@example.com", "message": message}
    text = "\x1f".join(fields.values()).lower()
    rows.append((f"id{i:08}", "demo", 1_700_000_000_000 + i, text, json.dumps(fields, ensure_ascii=False)))
db.executemany("INSERT INTO inquiries VALUES (?, ?, ?, ?, ?)", rows)

LIKE = ("SELECT id FROM inquiries WHERE site_id = 'demo' AND search_text LIKE ? ESCAPE '\\' "
        "ORDER BY submitted_ms DESC, id DESC LIMIT 100")
INSTR = ("SELECT id FROM inquiries WHERE site_id = 'demo' AND instr(search_text, ?) > 0 "
         "ORDER BY submitted_ms DESC, id DESC LIMIT 100")


def timed(sql, arg):
    runs = []
    for _ in range(7):
        t = time.perf_counter()
        found = db.execute(sql, (arg,)).fetchall()
        runs.append((time.perf_counter() - t) * 1000)
    return statistics.median(runs), len(found)


print(f"SQLite {sqlite3.sqlite_version}, {ROWS:,} rows, median of 7 runs")
print(f"{'term':>10} | {'LIKE ms':>8} | {'instr ms':>8} | found")
for size in (6, 48, 120):
    term = needle[:size]
    like_ms, like_n = timed(LIKE, f"%{term}%")
    instr_ms, instr_n = timed(INSTR, term)
    assert like_n == instr_n, (size, like_n, instr_n)
    print(f"{size:>8} B | {like_ms:>8.1f} | {instr_ms:>8.1f} | {instr_n}")
