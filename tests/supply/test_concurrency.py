"""Two imports of the same new reference at once make one interruption, no error."""

import pytest

from common.actors import SYSTEM
from supply import services
from supply.models import Interruption
from tests.threads import run_in_threads

pytestmark = pytest.mark.django_db(transaction=True)

ROW = {
    "source_ref": "RACE-1",
    "feeder": "E1",
    "start": "2026-10-03T08:00:00+08:00",
    "end": "2026-10-03T09:00:00+08:00",
}


def test_concurrent_imports_of_one_reference_make_one_interruption(clock, single):
    results = []

    def push():
        results.append(services.import_interruptions([dict(ROW)], acting_user=SYSTEM))

    errors = run_in_threads(push, push, push, start_together=True)
    assert errors == []
    assert Interruption.objects.filter(source_ref="RACE-1").count() == 1
    assert sorted(r.created for r in results) == [0, 0, 1]
