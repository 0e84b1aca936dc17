"""How fast `scan_file` measures a training set, against datasketch's MinHashLSH in the same run.

Generates ROWS rows (default 300,000) of about 80 words each, as JSONL, with planted
duplicates: 10 % exact copies of an earlier row (re-cased, re-spaced), 10 % near copies (one to
three words replaced, true word-3-gram Jaccard kept ≥ 0.8) and 2 % negatives (nine words
replaced, Jaccard ≈ 0.5, which must not count). Then, each in a child process of its own (so
its peak RSS is its own), alternated for ROUNDS rounds (medians are printed):

- `scan_file` over the whole file: rows/s (wall clock and CPU time), peak RSS, and
  near-duplicate recall and precision against the planted set (recall also by true Jaccard);
- datasketch (`MinHash` with 128 permutations, `update_batch` of word 3-grams, `MinHashLSH`
  at threshold 0.8, query then insert) over the first DATASKETCH_ROWS rows of the same file
  (default 20,000: datasketch is slow, its rate is steady), read with `json` and normalised the
  same way (NFKC, case-folded, split on whitespace);

and once each: `scan_file` over the same rows as CSV and as Parquet; reading alone with
pyarrow's and polars' batched readers; the MinHash engines the scanner could use, on the same
word-3-gram hashes (numpy multiply-only, used; numpy multiply-add, datasketch's "affine32";
rensa's Rust `RMinHash` digest matrix, with and without bringing the digests back to numpy).

It never asserts (the goals: ≥ 10× datasketch's rate, ≤ 1 GB peak, near-duplicate recall
≥ 97 % and precision ≥ 99 %). It runs in under a minute at the default size.

    python benchmarks/scan.py [ROWS] [--datasketch-rows N] [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
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
ROUNDS = 3
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
        f"numpy multiply, {minhash.NUM_PERM} (what a scan runs)": lambda: minhash.signature_matrix(
            grams, offsets
        ),
    }
    rates = {}
    for name, engine in engines.items():
        best = min(_cpu_seconds(engine) for _ in range(3))
        rates[name] = count / best
    return {"rows": count, "rates": rates}


def work_formats(path: str, folder: str) -> dict[str, Any]:
    import polars as pl
    import pyarrow as pa
    import pyarrow.csv as pa_csv
    import pyarrow.parquet as pq

    with open(path, encoding="utf-8") as lines:
        table = pa.Table.from_pylist([json.loads(line) for line in lines])
    csv_path, parquet_path = Path(folder) / "planted.csv", Path(folder) / "planted.parquet"
    pa_csv.write_csv(table, csv_path)
    pq.write_table(table, parquet_path, row_group_size=50_000)
    rows = table.num_rows
    del table
    scans = {}
    for name, target in (("JSONL", path), ("CSV", csv_path), ("Parquet", parquet_path)):
        run = _child("one-scan", str(target))
        scans[name] = (rows / run["seconds"], run["peak_rss_mb"])

    def arrow_csv() -> None:
        strings = {"text": pa.large_string(), "label": pa.large_string()}
        reader = pa_csv.open_csv(
            csv_path,
            read_options=pa_csv.ReadOptions(block_size=1 << 20, use_threads=False),
            parse_options=pa_csv.ParseOptions(newlines_in_values=True),
            convert_options=pa_csv.ConvertOptions(column_types=strings),
        )
        for batch in reader:
            batch.column(1).to_pylist()

    def polars_csv() -> None:
        frames = pl.scan_csv(csv_path, infer_schema=False).collect_batches(chunk_size=4096)
        for frame in frames:
            frame["text"].to_arrow()
            frame["label"].to_list()

    def arrow_parquet() -> None:
        for batch in pq.ParquetFile(parquet_path).iter_batches(batch_size=4096):
            batch.column(1).to_pylist()

    def polars_parquet() -> None:
        for frame in pl.scan_parquet(parquet_path).collect_batches(chunk_size=4096):
            frame["text"].to_arrow()
            frame["label"].to_list()

    readers = {
        "CSV, pyarrow open_csv (used)": arrow_csv,
        "CSV, polars scan_csv batches": polars_csv,
        "Parquet, pyarrow iter_batches (used)": arrow_parquet,
        "Parquet, polars scan_parquet batches": polars_parquet,
    }
    rates = {
        name: rows / min(_cpu_seconds(read) for _ in range(2)) for name, read in readers.items()
    }
    return {"scans": scans, "readers": rates}


def work_one_scan(path: str) -> dict[str, Any]:
    from bot.evidence.scan import scan_file

    started = time.perf_counter()
    scan_file(path)
    return {"seconds": time.perf_counter() - started, "peak_rss_mb": _peak_rss_mb()}


def _cpu_seconds(work: Any) -> float:
    started = time.process_time()
    work()
    return time.process_time() - started


def _peak_rss_mb() -> float:
    """This process's peak resident memory. VmHWM, not ru_maxrss: on Linux ru_maxrss carries
    over the parent's across fork and exec."""
    try:
        status = Path("/proc/self/status").read_text()
        return int(status.split("VmHWM:")[1].split()[0]) / 1024
    except (OSError, IndexError, ValueError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(*argv: str) -> dict[str, Any]:
    """Run a worker in a fresh process (its peak RSS its own); its JSON result."""
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--worker", *argv],
        cwd=REPO, capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"worker {argv[0]} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


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
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="scan-bench-") as folder:
        path = Path(folder) / "planted.jsonl"
        started = time.perf_counter()
        truth = write_planted(path, args.rows)
        size_mb = path.stat().st_size / 1e6
        print(f"generated {args.rows:,} rows ({size_mb:,.0f} MB of JSONL) in "
              f"{time.perf_counter() - started:.1f} s")  # fmt: skip
        scans, sketches = [], []
        for _ in range(args.rounds):  # alternated, so a busy moment hits both
            scans.append(_child("scan", str(path)))
            sketches.append(_child("datasketch", str(path), str(args.datasketch_rows)))
        engines = _child("engines", str(path), str(min(ENGINE_ROWS, args.rows)))
        formats = _child("formats", str(path), folder)
    report_speed(scans, sketches, args.rounds)
    report_quality(truth, scans[0])
    print(f"\nscan_file by format, {args.rows:,} rows (one run each):")
    for name, (rate, rss) in formats["scans"].items():
        print(f"  {name:34}{rate:>12,.0f} rows/s{rss:>8,.0f} MB peak")
    print("reading only (texts and labels to Arrow/Python), CPU time:")
    for name, rate in formats["readers"].items():
        print(f"  {name:34}{rate:>12,.0f} rows/s")
    print(f"\nMinHash engines on {engines['rows']:,} rows' word 3-grams (CPU time, best of 3):")
    for name, rate in engines["rates"].items():
        print(f"  {name:34}{rate:>12,.0f} rows/s")


def report_speed(scans: list[dict[str, Any]], sketches: list[dict[str, Any]], rounds: int) -> None:
    def rate(run: dict[str, Any], clock: str = "seconds") -> float:
        return float(run["rows"] / run[clock])

    print(f"\n{'':34}{'rows':>9}{'rows/s':>10}{'CPU rows/s':>12}{'peak RSS':>11}"
          f"   (medians of {rounds} rounds)")  # fmt: skip
    for name, runs in (("scan_file (whole file)", scans),
                       (f"datasketch (first {sketches[0]['rows']:,} rows)", sketches)):  # fmt: skip
        print(f"{name:34}{runs[0]['rows']:>9,}{statistics.median(map(rate, runs)):>10,.0f}"
              f"{statistics.median(rate(run, 'cpu_seconds') for run in runs):>12,.0f}"
              f"{max(run['peak_rss_mb'] for run in runs):>8,.0f} MB")  # fmt: skip
    wall = statistics.median(rate(a) / rate(b) for a, b in zip(scans, sketches, strict=True))
    cpu = statistics.median(
        rate(a, "cpu_seconds") / rate(b, "cpu_seconds")
        for a, b in zip(scans, sketches, strict=True)
    )
    print(f"\nratio scan / datasketch (median of the rounds' ratios): {wall:.1f}x wall clock, "
          f"{cpu:.1f}x CPU time (goal ≥ 10x)")  # fmt: skip
    peak = max(run["peak_rss_mb"] for run in scans)
    print(f"peak RSS of the scan: {peak:,.0f} MB (goal ≤ 1,024 MB)")


def report_quality(truth: dict[str, Any], scan: dict[str, Any]) -> None:
    quality = recall_and_precision(truth, scan["flagged"]["near"])
    print(f"\nexact duplicates: planted {len(truth['exact']):,}, found {scan['exact']:,}")
    print(f"near duplicates: planted {quality['planted']:,}, found {quality['flagged']:,} "
          f"({quality['false']:,} not planted); negatives at J≈0.5 flagged: "
          f"{quality['negatives_flagged']} of {quality['negatives']:,}")  # fmt: skip
    print(f"near-duplicate recall {100 * quality['recall']:.2f} % (goal ≥ 97 %), "
          f"precision {100 * quality['precision']:.2f} % (goal ≥ 99 %)")  # fmt: skip
    for band, (hit, total) in quality["by_band"].items():
        share = f"{100 * hit / total:.2f} %" if total else "—"
        print(f"  recall at true Jaccard {band}: {share} ({hit:,} of {total:,})")
    print(f"diversity_pct of the planted set: {scan['diversity']:.2f}")


def worker(argv: list[str]) -> None:
    kind, *rest = argv
    if kind == "scan":
        result = work_scan(rest[0])
    elif kind == "datasketch":
        result = work_datasketch(rest[0], int(rest[1]))
    elif kind == "formats":
        result = work_formats(rest[0], rest[1])
    elif kind == "one-scan":
        result = work_one_scan(rest[0])
    else:
        result = work_engines(rest[0], int(rest[1]))
    print(json.dumps(result))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        worker(sys.argv[2:])
    else:
        main()
