"""Write a reproducible synthetic county with COPY, for the scale benchmark (docs/scaling.md)."""

import time

from django.core.management.base import BaseCommand, CommandError

from dividends.scale import generate_county


class Command(BaseCommand):
    help = "Write a synthetic county (households, members, shares, land, labour, the company's year) with COPY."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--households", type=int, default=10_000)
        parser.add_argument("--associations", type=int, default=None, help="Default: one per 2,000 households.")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--password", default=None, help="Password of the scale-* persona users (unusable if unset)."
        )

    def handle(self, *args, households: int, associations: int | None, seed: int, password: str | None, **options):
        associations = associations or max(1, households // 2000)
        started = time.perf_counter()
        try:
            county = generate_county(
                households=households,
                associations=associations,
                seed=seed,
                password=password,
                progress=lambda message: self.stdout.write(f"  {message} ({time.perf_counter() - started:.1f} s)"),
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Synthetic county: {county.associations:,} associations, {county.households:,} households, "
                f"{county.members:,} members, {county.share_lines:,} share lines, {county.contracts:,} contracts, "
                f"{county.labour_records:,} labour records in {time.perf_counter() - started:.1f} s "
                f"(policy #{county.policy.pk})."
            )
        )
