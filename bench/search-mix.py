#!/usr/bin/env python3
"""The realistic search mix for bench/catalogue.sh (issue 16): a deterministic (seeded) list of at
least 1,000 distinct searches drawn from the catalogue's own words, then a request sequence in which
their frequencies follow Zipf's law, as searches on a real site do (a few very common, a long tail).

    bench/search-mix.py --database market.sqlite --tokens 3 --seed 7 --out mix.tsv

Searches are built from the taxonomy's category names and the published offerings' titles:
  - one to three words, taken as they sit together in titles ("home care", "dementia support");
  - about 30% typed as prefixes, the way each keystroke arrives ("dem", "demen", "dementia s");
  - about 25% with filters: category, area, attribute and price range (some with no text at all);
  - about 20% as funded budget holders (a bearer token), who see their council's prices.
Each output line is `path<TAB>token index` (empty for anonymous); bench/search-mix.lua cycles
through them. A summary goes to stderr.
"""
import argparse, json, random, sqlite3, sys, urllib.parse
from collections import Counter

parser = argparse.ArgumentParser()
parser.add_argument("--database", required=True)
parser.add_argument("--catalogue", default="catalogue/categories.json")
parser.add_argument("--tokens", type=int, required=True, help="how many holder tokens the Lua script holds")
parser.add_argument("--seed", type=int, default=7)
parser.add_argument("--distinct", type=int, default=1200)
parser.add_argument("--requests", type=int, default=50000)
parser.add_argument("--zipf", type=float, default=1.0, help="exponent s: frequency of rank r is proportional to 1/r^s")
parser.add_argument("--out", required=True)
args = parser.parse_args()
rng = random.Random(args.seed)

db = sqlite3.connect(f"file:{args.database}?mode=ro", uri=True)
titles = [row[0] for row in db.execute(
    "SELECT title FROM offering_listing l JOIN offering o USING (seq) ORDER BY l.seq LIMIT 20000")]
districts = [row[0] for row in db.execute("SELECT DISTINCT district FROM offering_area ORDER BY 1")]
tags = [row[0] for row in db.execute("SELECT tag FROM offering_tag GROUP BY tag HAVING count(*) >= 20 ORDER BY 1")]
categories = []
def walk(nodes):
    for node in nodes:
        categories.append((node["id"], node["name"]))
        walk(node.get("children", []))
walk(json.load(open(args.catalogue))["categories"])
if not titles or not districts:
    sys.exit("search-mix: the database has no published offerings")

def words(text):
    return [w for w in "".join(c.lower() if c.isalnum() else " " for c in text).split() if len(w) > 1]

# Phrases of one to three words as they sit together in titles and category names.
sources = [words(t) for t in titles] + [words(name) for _, name in categories] * 20
# Nobody searches for "and" alone: a phrase of only these is drawn again.
STOPWORDS = {"and", "of", "the", "to", "for", "with", "in", "at", "on", "we", "are", "you", "your", "our", "is", "be", "can", "all"}

def phrase():
    while True:
        source = rng.choice(sources)
        length = rng.choices([1, 2, 3], weights=[45, 40, 15])[0]
        start = rng.randrange(max(1, len(source) - length + 1))
        words = source[start:start + length]
        if words and not all(w in STOPWORDS for w in words):
            return words

def typed(parts):
    """The text as it stands after a keystroke: the last word cut to 1..n-1 characters."""
    last, shortest = parts[-1], 1 if len(parts) > 1 else 3
    if len(last) <= shortest:
        return parts
    return parts[:-1] + [last[:rng.randrange(shortest, len(last))]]

searches, kinds = {}, Counter()
while len(searches) < args.distinct:
    query, kind = {}, []
    if rng.random() < 0.88:
        parts = phrase()
        if rng.random() < 0.30:
            parts, kind = typed(parts), kind + ["prefix"]
        query["q"] = " ".join(parts)
    if rng.random() < 0.25 or "q" not in query:
        kind.append("filtered")
        for name, chance in (("category", 0.6), ("area", 0.6), ("attribute", 0.3), ("price", 0.4)):
            if rng.random() >= chance:
                continue
            if name == "category":
                query["category"] = rng.choice(categories)[0]
            elif name == "area":
                query["area"] = rng.choice(districts)
            elif name == "attribute" and tags:
                query["attribute"] = rng.choice(tags)
            elif name == "price":
                low = rng.choice([0, 500, 1000, 1500, 2000])
                query["min_price_pence"], query["max_price_pence"] = str(low), str(low + rng.choice([1000, 2000, 5000]))
    token = ""
    if rng.random() < 0.20:
        token, kind = str(rng.randrange(args.tokens)), kind + ["council"]
        if rng.random() < 0.3:
            query["sort"] = "price_asc"
    elif rng.random() < 0.1:
        query["sort"] = rng.choice(["price_asc", "price_desc", "rating"])
    if not query:
        continue
    path = "/v1/offerings?" + urllib.parse.urlencode(query, quote_via=urllib.parse.quote)
    if (path, token) not in searches:
        searches[(path, token)] = kind
        kinds.update(kind or ["text"])

distinct = list(searches)
rng.shuffle(distinct)
weights = [1 / (rank ** args.zipf) for rank in range(1, len(distinct) + 1)]
sequence = rng.choices(distinct, weights=weights, k=args.requests)
with open(args.out, "w") as out:
    for path, token in sequence:
        out.write(f"{path}\t{token}\n")
top = Counter(sequence).most_common(1)[0]
print(f"search mix: {len(distinct)} distinct searches "
      f"({', '.join(f'{k} {v * 100 // len(distinct)}%' for k, v in sorted(kinds.items()))}), "
      f"{len(sequence)} requests, Zipf s={args.zipf}; the commonest is {top[1] * 100 / len(sequence):.1f}% "
      f"({urllib.parse.unquote(top[0][0])}), {len(set(sequence))} distinct searches drawn", file=sys.stderr)
