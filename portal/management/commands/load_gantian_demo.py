from importlib import import_module

from django.core.management.base import BaseCommand

# Each app adds its part of the demo in <app>/demo.py with a load() function; order matters.
DEMO_PARTS = ["collective.demo", "land.demo", "dividends.demo", "association.demo", "membership.demo", "assets.demo"]


class Command(BaseCommand):
    help = "Load the Gantian demo (the case study plus labelled synthetic data). Safe to run twice."

    def handle(self, *args, **options):
        from collective.demo import DEMO_PASSWORD

        logins = []
        for module_name in DEMO_PARTS:
            try:
                module = import_module(module_name)
            except ModuleNotFoundError as error:
                if error.name != module_name:
                    raise
                continue
            result = module.load()
            if module_name == "collective.demo":
                logins = result
            self.stdout.write(f"Loaded {module_name}.")
        self.stdout.write(self.style.SUCCESS(f"Gantian demo loaded. Demo logins (password: {DEMO_PASSWORD}):"))
        for username, role in logins:
            self.stdout.write(f"  {username:<14} {role}")
