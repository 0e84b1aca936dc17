"""How fast `scan_file` measures a training set, against datasketch's MinHashLSH in the same run.

Generates ROWS rows (default 300,000) of about 80 words each, as JSONL, with planted
duplicates: 10 % exact copies of an earlier row (re-cased, re-spaced), 10 % near copies (one to
three words replaced, true word-3-gram Jaccard kept ≥ 0.8) and 2 % negatives (about nine words
replaced, Jaccard ≈ 0.5, which must not count). Then, each in a child process of its own (so
its peak RSS is its own):

- `scan_file` over the whole file: rows/s, peak RSS, and near-duplicate recall and precision
  against the planted set (recall also per band of true Jaccard);
- datasketch (`MinHash` with 128 permutations, `update_batch` of word 3-grams, `MinHashLSH`
  at threshold 0.8, query then insert) over the first DATASKETCH_ROWS rows of the same file
  (default 20,000: datasketch is slow), read and normalised the same way;
- the MinHash engines the scanner could use, on the same word-3-gram hashes: numpy
  multiply-only (used), numpy multiply-add (datasketch's "affine32"), and rensa's Rust
  `RMinHash` digest matrix (with and without bringing the digests back to numpy).

It prints rows/s for each, the ratio, peak RSS and recall/precision; it never asserts (the goals:
≥ 10× datasketch, ≤ 1 GB, recall ≥ 97 %, precision ≥ 99 %).

    python benchmarks/scan.py [ROWS] [--datasketch-rows N]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

ROWS = 300_000
DATASKETCH_ROWS = 20_000
ENGINE_ROWS = 20_000
WORDS_PER_ROW = (70, 90)
VOCABULARY = 30_000
EXACT_SHARE, NEAR_SHARE, NEGATIVE_SHARE = 0.10, 0.10, 0.02
NEAR_MIN_JACCARD = 0.8
SEED = 20_240_601


# -- the planted data set ---------------------------------------------------------------------


def vocabulary(rng: random.Random) -> tuple[list[str], list[float]]:
    """Made-up words with Zipf-like weights (a few common words, a long tail)."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = sorted(
        {"".join(rng.choices(letters, k=rng.randint(2, 9))) for _ in range(VOCABULARY * 2)}
    )[:VOCABULARY]
    rng.shuffle(words)
    weights = [1.0 / (rank + 1) ** 0.9 for rank in range(len(words))]
    cumulative, total = [], 0.0
    for weight in weights:
        total += weight
        cumulative.append(total)
    return words, cumulative


def shingles(words: list[str]) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + 3]) for i in range(len(words) - 2)}


def jaccard(first: list[str], second: list[str]) -> float:
    a, b = shingles(first), shingles(second)
    return len(a & b) / len(a | b)


def replace_words(rng: random.Random, words: list[str], count: int, pool: list[str]) -> list[str]:
    changed = list(words)
    for position in rng.sample(range(len(words)), count):
        changed[position] = rng.choice(pool)
    return changed


def recase(rng: random.Random, words: list[str]) -> str:
    """An exact duplicate after normalisation: other case, other whitespace."""
    styled = [word.upper() if rng.random() < 0.2 else word for word in words]
    return rng.choice(["  ", " ", "\t", " \n "]).join(styled) + rng.choice(["", " ", "\n"])


def write_planted(path: Path, rows: int) -> dict[str, Any]:
    """Write the JSONL; return the truth: which rows are near plants, negatives, exact copies."""
    rng = random.Random(SEED)
    words, cumulative = vocabulary(rng)
    bases: list[list[str]] = []
    near: dict[int, float] = {}
    negatives: list[int] = []
    exact: list[int] = []
    with path.open("w", encoding="utf-8") as out:
        for row in range(rows):
            draw = rng.random()
            if bases and draw < EXACT_SHARE:
                text, kind = recase(rng, rng.choice(bases)), "exact"
            elif bases and draw < EXACT_SHARE + NEAR_SHARE:
                base = rng.choice(bases)
                while True:
                    changed = replace_words(rng, base, rng.randint(1, 3), words)
                    similarity = jaccard(base, changed)
                    if similarity >= NEAR_MIN_JACCARD and changed != base:
                        break
                text, kind = " ".join(changed), "near"
                near[row] = similarity
            elif bases and draw < EXACT_SHARE + NEAR_SHARE + NEGATIVE_SHARE:
                text, kind = " ".join(replace_words(rng, rng.choice(bases), 9, words)), "negative"
                negatives.append(row)
            else:
                count = rng.randint(*WORDS_PER_ROW)
                base = rng.choices(words, cum_weights=cumulative, k=count)
                bases.append(base)
                text, kind = " ".join(base), "base"
            if kind == "exact":
                exact.append(row)
            label = "late" if row % 3 else "refund"
            out.write(json.dumps({"text": text, "label": label}) + "\n")
    return {"near": near, "negatives": negatives, "exact": exact}


# -- the workers (each run in a child process) ------------------------------------------------


def work_scan(path: str) -> dict[str, Any]:
    from bot.evidence.scan.fields import FieldChoice
    from bot.evidence.scan.readers import open_path
    from bot.evidence.scan.scanner import run_scan

    started_cpu, started = time.process_time(), time.perf_counter()
    scanner = run_scan(open_path(Path(path), FieldChoice()))
    report = scanner.report()  # what scan_file(path) does, keeping the scanner to ask it
    elapsed, cpu = time.perf_counter() - started, time.process_time() - started_cpu
    return {
        "rows": report.rows,
        "seconds": elapsed,
        "cpu_seconds": cpu,
        "exact": report.exact_duplicate_rows,
        "near": report.near_duplicate_rows,
        "diversity": report.diversity_pct,
        "flagged": {"near": scanner.findings.near.tolist()},
        "peak_rss_mb": _peak_rss_mb(),
    }


def work_datasketch(path: str, rows: int) -> dict[str, Any]:
    from datasketch import MinHash, MinHashLSH

    permutations = MinHash(num_perm=128, seed=1).permutations
    started_cpu, started = time.process_time(), time.perf_counter()
    lsh = MinHashLSH(threshold=0.8, num_perm=128)
    found = 0
    with open(path, encoding="utf-8") as lines:
        for row, line in enumerate(lines):
            if row >= rows:
                break
            words = unicodedata.normalize("NFKC", json.loads(line)["text"]).casefold().split()
            grams = [" ".join(words[i : i + 3]).encode() for i in range(max(len(words) - 2, 1))]
            sketch = MinHash(num_perm=128, permutations=permutations, scheme="affine32")
            sketch.update_batch(grams)
            found += bool(lsh.query(sketch))
            lsh.insert(row, sketch)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - started_cpu
    return {"rows": min(rows, row + 1), "seconds": elapsed, "cpu_seconds": cpu,
            "flagged": found, "peak_rss_mb": _peak_rss_mb()}  # fmt: skip


def work_engines(path: str, rows: int) -> dict[str, Any]:
    import itertools

    import numpy as np
    import rensa

    from bot.evidence.scan import minhash
    from bot.evidence.scan.hashing import U64, hash_words, positions, shingle_hashes
    from bot.evidence.scan.normalise import as_large_strings, normalised_words

    with open(path, encoding="utf-8") as lines:
        texts = [json.loads(line)["text"] for line in itertools.islice(lines, rows)]
    words = normalised_words(as_large_strings(texts))
    word_hashes = hash_words(words.words)
    grams, offsets = shingle_hashes(word_hashes, words.offsets, positions(words.offsets))
    count = offsets.size - 1
    wide = minhash.multipliers(128)
    addends = (wide[::-1] * np.uint32(2654435761)).astype(np.uint32)

    def affine() -> None:
        values = (grams >> U64(32)).astype(np.uint32)
        for first in range(0, count, 128):
            last = min(first + 128, count)
            permuted = wide * values[offsets[first] : offsets[last]]
            permuted += addends
            np.minimum.reduceat(permuted, offsets[first:last] - offsets[first], axis=1)

    def rensa_only() -> Any:
        return rensa.RMinHash.digest_matrix_from_flat_token_hashes(
            grams, offsets.astype(np.uint64), 128, 7
        )

    def rensa_numpy() -> Any:
        return np.array(rensa_only().to_rows(), dtype=np.uint32)

    engines = {
        "numpy multiply, 128 (the choice)": lambda: minhash.signature_matrix(grams, offsets, wide),
        "numpy multiply-add (affine32), 128": affine,
        "rensa digest matrix, 128": rensa_only,
        "rensa digest matrix + to numpy, 128": rensa_numpy,
        f"numpy multiply, {minhash.NUM_PERM} (what scans run)": lambda: minhash.signature_matrix(
            grams, offsets
        ),
    }
    rates = {}
    for name, engine in engines.items():
        best = min(_cpu_seconds(engine) for _ in range(3))
        rates[name] = count / best
    return {"rows": count, "rates": rates}


def _cpu_seconds(work: Any) -> float:
    started = time.process_time()
    work()
    return time.process_time() - started


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(*argv: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--worker", *argv],
        cwd=REPO, check=True, capture_output=True, text=True,
    )  # fmt: skip
    return json.loads(done.stdout)


# -- the figures ------------------------------------------------------------------------------


def recall_and_precision(truth: dict[str, Any], flagged: list[int]) -> dict[str, Any]:
    near = {int(row): similarity for row, similarity in truth["near"].items()}
    found = set(flagged)
    hits = [row for row in near if row in found]
    bands = {"0.80–0.85": (0.80, 0.85), "0.85–0.90": (0.85, 0.90), "≥ 0.90": (0.90, 1.01)}
    by_band = {}
    for name, (low, high) in bands.items():
        members = [row for row, similarity in near.items() if low <= similarity < high]
        by_band[name] = (sum(row in found for row in members), len(members))
    false = [row for row in found if row not in near]
    negatives_flagged = len(found & set(truth["negatives"]))
    return {
        "recall": len(hits) / len(near) if near else 1.0,
        "precision": len(hits) / len(found) if found else 1.0,
        "planted": len(near),
        "flagged": len(found),
        "false": len(false),
        "negatives_flagged": negatives_flagged,
        "negatives": len(truth["negatives"]),
        "by_band": by_band,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", nargs="?", type=int, default=ROWS)
    parser.add_argument("--datasketch-rows", type=int, default=DATASKETCH_ROWS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="scan-bench-") as folder:
        path = Path(folder) / "planted.jsonl"
        started = time.perf_counter()
        truth = write_planted(path, args.rows)
        size_mb = path.stat().st_size / 1e6
        print(f"generated {args.rows:,} rows ({size_mb:,.0f} MB of JSONL) in "
              f"{time.perf_counter() - started:.1f} s")  # fmt: skip
        scan = _child("scan", str(path))
        sketch = _child("datasketch", str(path), str(args.datasketch_rows))
        engines = _child("engines", str(path), str(min(ENGINE_ROWS, args.rows)))
    quality = recall_and_precision(truth, scan["flagged"]["near"])
    scan_rate = scan["rows"] / scan["seconds"]
    sketch_rate = sketch["rows"] / sketch["seconds"]
    print()
    print(f"{'':32}{'rows':>10}{'seconds':>10}{'rows/s':>10}{'CPU rows/s':>12}{'peak RSS':>11}")
    for name, run in (("scan_file (whole file)", scan),
                      (f"datasketch (first {sketch['rows']:,} rows)", sketch)):  # fmt: skip
        print(f"{name:32}{run['rows']:>10,}{run['seconds']:>10.2f}"
              f"{run['rows'] / run['seconds']:>10,.0f}{run['rows'] / run['cpu_seconds']:>12,.0f}"
              f"{run['peak_rss_mb']:>8,.0f} MB")  # fmt: skip
    print(f"\nratio scan / datasketch: {scan_rate / sketch_rate:.1f}x wall clock, "
          f"{(scan['rows'] / scan['cpu_seconds']) / (sketch['rows'] / sketch['cpu_seconds']):.1f}x "
          "CPU time (goal ≥ 10x)")  # fmt: skip
    print(f"peak RSS of the scan: {scan['peak_rss_mb']:,.0f} MB (goal ≤ 1,024 MB)")
    planted_exact = len(truth["exact"])
    print(f"\nexact duplicates: planted {planted_exact:,}, found {scan['exact']:,}")
    print(f"near duplicates: planted {quality['planted']:,}, found {quality['flagged']:,} "
          f"({quality['false']:,} not planted); negatives at J≈0.5 flagged: "
          f"{quality['negatives_flagged']} of {quality['negatives']:,}")  # fmt: skip
    print(f"near-duplicate recall {100 * quality['recall']:.2f} % (goal ≥ 97 %), "
          f"precision {100 * quality['precision']:.2f} % (goal ≥ 99 %)")  # fmt: skip
    for band, (hit, total) in quality["by_band"].items():
        share = f"{100 * hit / total:.2f} %" if total else "—"
        print(f"  recall at true Jaccard {band}: {share} ({hit:,} of {total:,})")
    print(f"diversity_pct of the planted set: {scan['diversity']:.2f}")
    print(f"\nMinHash engines on {engines['rows']:,} rows' word 3-grams (CPU time, best of 3):")
    for name, rate in engines["rates"].items():
        print(f"  {name:34}{rate:>12,.0f} rows/s")


def worker(argv: list[str]) -> None:
    kind, *rest = argv
    if kind == "scan":
        result = work_scan(rest[0])
    elif kind == "datasketch":
        result = work_datasketch(rest[0], int(rest[1]))
    else:
        result = work_engines(rest[0], int(rest[1]))
    print(json.dumps(result))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        worker(sys.argv[2:])
    else:
        main()
