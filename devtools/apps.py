from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DevtoolsConfig(AppConfig):
    """Demo data (`manage.py seed_demo`), the benchmark database (`seed_bench`) and the
    benchmarks (`bench_*`). Installed by the local, test and bench settings, never in
    production."""

    name = "devtools"
    verbose_name = _("Developer tools")
