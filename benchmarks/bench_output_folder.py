"""The cost of writing a study's outputs safely: staging, exchange, lock, checksums.

Runs a built-in study once (no writing), then writes its outputs ``--repeat``
times in two ways, alternating, into fresh folders:

* ``direct``: every file written into the output folder (each file by a
  temporary file renamed over its name, as always: no staging folder, no
  lock, no check of the previous outputs);
* ``hitex``: :func:`hitex.studies.output.publish` (staging folder, lock,
  ownership check of the previous outputs by checksum, folder exchange),
  rewriting the same folder each time, as reruns do.

Prints the median time of each and the ratio. Run on demand::

    python benchmarks/bench_output_folder.py --study trade-facilitation --repeat 20
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path

from hitex.studies.output import publish
from hitex.studies.runner import run_study, write_outputs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--study", default="trade-facilitation")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run = run_study(args.study, write=False)
        from hitex.studies.build import build_panel
        from hitex.studies.spec import load_study

        built = build_panel(load_study(args.study).data)
    started = datetime.now(UTC)
    direct, safe = [], []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for k in range(args.repeat):
            folder = root / f"direct{k}"
            folder.mkdir()
            t0 = time.perf_counter()
            write_outputs(folder, run, built, started, 0.0)
            direct.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            publish(root / "hitex", lambda stage: write_outputs(stage, run, built, started, 0.0))
            safe.append(time.perf_counter() - t0)
    d, s = statistics.median(direct), statistics.median(safe)
    print(f"study {args.study}: {len(run.tables)} tables, {args.repeat} writes each")
    print(f"direct writes   median {d * 1000:8.1f} ms")
    print(f"hitex publish   median {s * 1000:8.1f} ms")
    print(f"ratio hitex / direct: {s / d:.2f}")


if __name__ == "__main__":
    main()
