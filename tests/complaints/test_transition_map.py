"""Every (status, action) pair of the complaint map: the model and the service check follow
TRANSITIONS alone."""

import pytest
from django.utils import translation

from common.errors import TransitionNotAllowed
from complaints import services
from complaints.models import COMPLAINT_MACHINE, TRANSITIONS, Complaint, Status


@pytest.mark.parametrize("status", Status.values)
@pytest.mark.parametrize("action", list(TRANSITIONS))
def test_the_model_check_walks_the_whole_map(action, status):
    complaint = Complaint(status=status)
    sources, target = TRANSITIONS[action]
    if status in sources:
        assert complaint.allows(action)
        services.check_action(complaint, action)
        assert COMPLAINT_MACHINE.check(complaint, action) == (target or status)
    else:
        assert not complaint.allows(action)
        with pytest.raises(TransitionNotAllowed) as refused:
            services.check_action(complaint, action)
        assert refused.value.status_code == 409
    assert complaint.status == status


def test_a_callback_ends_in_close_or_reopen_so_both_are_allowed_wherever_it_is():
    for status in TRANSITIONS["callback"][0]:
        assert {"close", "reopen"} <= set(COMPLAINT_MACHINE.actions_from(status))


def test_a_closed_ticket_only_takes_comments_files_and_reopening():
    assert COMPLAINT_MACHINE.actions_from(Status.CLOSED) == ["reopen", "comment", "attach"]


def test_the_refusal_is_the_complaint_message_in_chinese():
    with translation.override("zh-hans"), pytest.raises(TransitionNotAllowed) as refused:
        services.check_action(Complaint(status=Status.CLOSED), "resolve")
    assert str(refused.value.message) == "处于“已关闭”状态的投诉工单不能执行“办结”。"
