"""The one state-machine helper (common.transitions) that outages, complaints and
disconnections build their maps on."""

from types import SimpleNamespace

import pytest
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy

from common.errors import TransitionNotAllowed
from common.transitions import StateMachine


class Door(models.TextChoices):
    OPEN = "open", gettext_lazy("Draft")  # labels with existing zh-Hans translations
    SHUT = "shut", gettext_lazy("Submitted")
    GONE = "gone", gettext_lazy("Notifying")


MACHINE = StateMachine(
    Door,
    {
        "close": ({Door.OPEN}, Door.SHUT),
        "open": ({Door.SHUT}, Door.OPEN),
        "paint": ({Door.OPEN, Door.SHUT}, None),
        "remove": ({Door.SHUT}, Door.GONE),
    },
    labels={"close": gettext_lazy("Submit")},
)


def door(status: str) -> SimpleNamespace:
    return SimpleNamespace(status=status)


def test_allowed_follows_the_map_and_refuses_unknown_actions():
    assert MACHINE.allowed(Door.OPEN, "close")
    assert not MACHINE.allowed(Door.SHUT, "close")
    assert not MACHINE.allowed(Door.GONE, "paint")
    assert not MACHINE.allowed(Door.OPEN, "fly")


def test_target_is_the_new_status_or_the_same_when_the_map_says_none():
    assert MACHINE.target(Door.OPEN, "close") == Door.SHUT
    assert MACHINE.target(Door.SHUT, "paint") == Door.SHUT


def test_check_returns_the_new_status_and_changes_nothing():
    obj = door(Door.SHUT)
    assert MACHINE.check(obj, "remove") == Door.GONE
    assert MACHINE.check(obj, "paint") == Door.SHUT
    assert obj.status == Door.SHUT


@pytest.mark.parametrize("action", ["close", "open", "paint", "remove", "fly"])
def test_check_refuses_with_409_outside_the_map(action):
    if MACHINE.allowed(Door.GONE, action):  # pragma: no cover - nothing leaves GONE
        pytest.fail("the map lets something leave 'gone'")
    with pytest.raises(TransitionNotAllowed) as refused:
        MACHINE.check(door(Door.GONE), action)
    assert refused.value.status_code == 409
    assert refused.value.code == "transition_not_allowed"


def test_refusal_names_the_action_and_the_status_in_the_users_language():
    with translation.override("en"), pytest.raises(TransitionNotAllowed) as refused:
        MACHINE.check(door(Door.SHUT), "close")
    assert str(refused.value.message) == "“Submit” is not allowed while the status is Submitted."
    with translation.override("zh-hans"), pytest.raises(TransitionNotAllowed) as refused:
        MACHINE.check(door(Door.SHUT), "close")
    assert str(refused.value.message) == "当前状态为“待审批”，不允许“提交审批”。"


def test_refusal_falls_back_to_the_action_name_and_may_name_the_target():
    machine = StateMachine(
        Door,
        {"close": ({Door.OPEN}, Door.SHUT)},
        refusal="%(action)s: %(status)s cannot become %(target)s",
    )
    with translation.override("en"), pytest.raises(TransitionNotAllowed) as refused:
        machine.check(door(Door.GONE), "close")
    assert str(refused.value.message) == "close: Notifying cannot become Submitted"


def test_actions_from_lists_the_allowed_actions_in_map_order():
    assert MACHINE.actions_from(Door.OPEN) == ["close", "paint"]
    assert MACHINE.actions_from(Door.SHUT) == ["open", "paint", "remove"]
    assert MACHINE.actions_from(Door.GONE) == []


def test_a_map_naming_an_unknown_status_is_refused_at_import():
    with pytest.raises(ValueError, match="ajar"):
        StateMachine(Door, {"close": ({"ajar"}, Door.SHUT)})
