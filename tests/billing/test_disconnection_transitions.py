"""Every (status, action) pair of the disconnection map: the model check follows
DISCONNECTION_TRANSITIONS alone."""

import pytest
from django.utils import translation

from billing.models import (
    DISCONNECTION_MACHINE,
    DISCONNECTION_TRANSITIONS,
    Disconnection,
    DisconnectionStatus,
)
from common.errors import TransitionNotAllowed


@pytest.mark.parametrize("status", DisconnectionStatus.values)
@pytest.mark.parametrize("action", list(DISCONNECTION_TRANSITIONS))
def test_the_model_check_walks_the_whole_map(action, status):
    disconnection = Disconnection(status=status)
    sources, target = DISCONNECTION_TRANSITIONS[action]
    if status in sources:
        assert disconnection.allows(action)
        assert DISCONNECTION_MACHINE.check(disconnection, action) == target
    else:
        assert not disconnection.allows(action)
        with pytest.raises(TransitionNotAllowed) as refused:
            DISCONNECTION_MACHINE.check(disconnection, action)
        assert refused.value.status_code == 409
    assert disconnection.status == status


def test_cancelled_and_reconnected_are_final():
    assert DISCONNECTION_MACHINE.actions_from(DisconnectionStatus.CANCELLED) == []
    assert DISCONNECTION_MACHINE.actions_from(DisconnectionStatus.RECONNECTED) == []


def test_the_refusal_names_both_statuses_in_chinese():
    disconnection = Disconnection(status=DisconnectionStatus.CANCELLED)
    with translation.override("zh-hans"):
        with pytest.raises(TransitionNotAllowed) as refused:
            DISCONNECTION_MACHINE.check(disconnection, "execute")
        assert str(refused.value.message) == "处于“已撤销”状态的停电不能变为“已停电”。"
