"""Write a reproducible synthetic county with COPY, for the scale benchmark (docs/scaling.md).

    .venv/bin/python bench/generate_county.py --households 100000 [--associations N] [--seed 1] [--password P]

Settings come from the environment as for manage.py (DATABASE_URL must name a PostgreSQL database).
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=10_000)
    parser.add_argument("--associations", type=int, default=None, help="Default: one per 2,000 households.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--password", default=None, help="Password of the scale-* persona users (unusable if unset).")
    options = parser.parse_args()

    import django

    django.setup()
    from bench.county import generate_county

    started = time.perf_counter()
    try:
        county = generate_county(
            households=options.households,
            associations=options.associations or max(1, options.households // 2000),
            seed=options.seed,
            password=options.password,
            progress=lambda message: print(f"  {message} ({time.perf_counter() - started:.1f} s)", flush=True),
        )
    except ValueError as error:
        sys.exit(str(error))
    print(
        f"Synthetic county: {county.associations:,} associations, {county.households:,} households, "
        f"{county.members:,} members, {county.share_lines:,} share lines, {county.contracts:,} contracts, "
        f"{county.labour_records:,} labour records in {time.perf_counter() - started:.1f} s "
        f"(policy #{county.policy.pk})."
    )


if __name__ == "__main__":
    main()
