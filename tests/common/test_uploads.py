"""How attachments are stored (common/uploads.py): a random path that keeps the extension, the
browser's name without folders, and the stored file removed again when its row is not written
— for complaints and connection projects alike."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError

from common.actors import SYSTEM
from common.uploads import random_upload_path, upload_name
from complaints import services as complaint_services
from complaints.intake import register_complaint
from complaints.models import ComplaintAttachment

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n" + b"0" * 100


def test_the_stored_path_is_random_and_keeps_the_extension():
    first, second = (random_upload_path("complaints", "检测报告.PDF") for _ in range(2))
    assert first.startswith("complaints/") and first.endswith(".pdf")
    assert first != second and "检测" not in first


@pytest.mark.parametrize(
    ("sent", "kept"),
    [("C:\\Users\\王\\报告.pdf", "报告.pdf"), ("a/b/c.png", "c.png"), ("x" * 300, "x" * 200)],
)
def test_the_name_is_the_files_own(sent, kept):
    assert upload_name(SimpleUploadedFile(sent, b"")) == kept


def test_a_file_whose_row_is_not_written_is_removed_again(
    settings, tmp_path, customer_for, mgr_a, monkeypatch
):
    settings.MEDIA_ROOT = tmp_path
    complaint, _ = register_complaint(
        customer=customer_for(mgr_a),
        channel="hotline_95598",
        category="power_quality",
        description="电压波动",
        acting_user=SYSTEM,
    )

    def refuse(self, *args, **kwargs):
        raise IntegrityError("the row is not written")

    monkeypatch.setattr(ComplaintAttachment, "save", refuse)
    with pytest.raises(IntegrityError):
        complaint_services.add_attachment(
            complaint, acting_user=mgr_a, upload=SimpleUploadedFile("报告.pdf", PDF)
        )
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
    assert not ComplaintAttachment.objects.exists()
