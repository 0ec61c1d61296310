"""The project's papers: the checklist told in one go (一次性告知), uploads through the
product's one upload check (common.uploads), and the customer's confirmation that it read the
supply plan (from its link, no login)."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.actors import Actor, person
from common.errors import DomainError, TransitionNotAllowed
from common.uploads import check_upload, files_removed_on_failure, upload_name
from connections import policy
from connections.events import record_event
from connections.models import (
    DocumentItem,
    EventKind,
    Project,
    ProjectAttachment,
    ProjectStep,
    Step,
    StepStatus,
)
from connections.services import check_action, lock_project


def _item(project: Project, code: str) -> DocumentItem:
    item = DocumentItem.objects.select_for_update().filter(project=project, code=code).first()
    if item is None:
        raise DomainError(
            "unknown_document", _("This document is not on the project's checklist."), field="code"
        )
    return item


@transaction.atomic
def receive_document(
    project: Project, *, acting_user: Actor, code: str, received: bool = True, note: str = ""
) -> DocumentItem:
    """Tick a document of the checklist off as received (or back to missing)."""
    policy.require(acting_user, "documents")
    project = lock_project(project)
    check_action(project, "documents")
    item = _item(project, code)
    if (item.received_at is not None) == received:
        return item
    item.received_at = timezone.now() if received else None
    item.received_by = person(acting_user) if received else None
    item.note = (note or "").strip()[:300]
    item.save(update_fields=["received_at", "received_by", "note"])
    record_event(
        project,
        EventKind.DOCUMENT,
        actor=acting_user,
        message=item.label,
        data={"code": code, "received": received},
    )
    return item


def add_attachment(
    project: Project, *, acting_user: Actor, upload, document: str = "", note: str = ""
) -> ProjectAttachment:
    """Attach a file (optionally as a checklist document, which it ticks off) after checking its
    size and type; the stored file is removed again if the database write fails."""
    policy.require(acting_user, "attach")
    check_action(project, "attach")
    content_type = check_upload(upload, max_bytes=settings.CONNECTION_ATTACHMENT_MAX_BYTES)
    name = upload_name(upload)
    with files_removed_on_failure() as stored, transaction.atomic():
        locked = lock_project(project)
        item = _item(locked, document) if document else None
        event = record_event(
            locked,
            EventKind.ATTACHMENT,
            actor=acting_user,
            message=(note or "").strip(),
            data={"name": name, "size": upload.size, "document": document},
        )
        attachment = ProjectAttachment(
            project=locked,
            document=item,
            event=event,
            original_name=name,
            content_type=content_type,
            size=upload.size,
            uploaded_by=person(acting_user),
            uploaded_at=event.at,
        )
        attachment.file.save(name, upload, save=False)
        stored(attachment.file)
        attachment.save()
        if item is not None and item.received_at is None:
            item.received_at = event.at
            item.received_by = person(acting_user)
            item.save(update_fields=["received_at", "received_by"])
    return attachment


@transaction.atomic
def confirm_plan_read(token: str) -> tuple[Project | None, bool]:
    """The customer confirms, from its link, that it has read the supply plan. Returns
    (project or None for an unknown token, whether this call confirmed it)."""
    project = Project.objects.select_for_update().filter(progress_token=token).first()
    if project is None:
        return None, False
    if project.plan_confirmed_at is not None:
        return project, False
    answered = ProjectStep.objects.filter(
        project=project, step=Step.SUPPLY_PLAN, status=StepStatus.DONE
    ).exists()
    if not answered:
        raise TransitionNotAllowed(
            "plan_not_answered", _("The supply plan has not been answered yet.")
        )
    project.plan_confirmed_at = timezone.now()
    project.save(update_fields=["plan_confirmed_at", "updated_at"])
    record_event(project, EventKind.PLAN_CONFIRMED, at=project.plan_confirmed_at)
    return project, True
