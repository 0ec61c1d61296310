"""Every (status, action) pair of the outage map: the model check follows TRANSITIONS alone."""

import pytest

from common.errors import TransitionNotAllowed
from outages.models import OUTAGE_MACHINE, TRANSITIONS, OutageStatus, PlannedOutage


@pytest.mark.parametrize("status", OutageStatus.values)
@pytest.mark.parametrize("action", list(TRANSITIONS))
def test_the_model_check_walks_the_whole_map(action, status):
    outage = PlannedOutage(status=status)
    sources, target = TRANSITIONS[action]
    if status in sources:
        assert outage.can(action)
        assert outage.check_action(action) == (target or status)
        assert action in OUTAGE_MACHINE.actions_from(status)
    else:
        assert not outage.can(action)
        with pytest.raises(TransitionNotAllowed) as refused:
            outage.check_action(action)
        assert refused.value.status_code == 409
        assert action not in OUTAGE_MACHINE.actions_from(status)
    assert outage.status == status  # checking changes nothing


def test_nothing_leaves_a_finished_outage():
    assert OUTAGE_MACHINE.actions_from(OutageStatus.COMPLETED) == []
    assert OUTAGE_MACHINE.actions_from(OutageStatus.CANCELLED) == []
