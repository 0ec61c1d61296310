from tests.dashboards.conftest import bill, clock, pay  # noqa: F401  (shared fixtures)
