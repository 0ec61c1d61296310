"""The restore drill (docs/operations.md "Backups"): scripts/backup.sh dumps the database and
archives the uploaded files; scripts/restore.sh brings both back into a new database and a new
media directory, where the data and the attachments are found again."""

import subprocess
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from common.actors import SYSTEM
from complaints import services as complaint_services
from complaints.intake import register_complaint

ROOT = Path(__file__).resolve().parents[1]
PDF = b"%PDF-1.4\n% the restore drill\n" + bytes(range(256)) * 4

pytestmark = pytest.mark.django_db(transaction=True)


def _url(name: str) -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{name}"


@pytest.fixture
def restored_name():
    name = f"{connection.settings_dict['NAME']}_restored"
    yield name
    with psycopg.connect(_url("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_backup_restores_into_a_new_database_with_its_attachments(
    customer_for, mgr_a, tmp_path, restored_name
):
    customer = customer_for(mgr_a, name="备份演练医院", account_no="3309000099")
    complaint, _ = register_complaint(
        customer=customer,
        channel="hotline_95598",
        category="power_quality",
        description="电压波动",
        acting_user=SYSTEM,
    )
    attachment = complaint_services.add_attachment(
        complaint, acting_user=mgr_a, upload=SimpleUploadedFile("检测报告.pdf", PDF)
    )
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": _url(connection.settings_dict["NAME"])}

    backup = subprocess.run(
        [ROOT / "scripts/backup.sh", tmp_path / "backup"],
        env={**env, "MEDIA_ROOT": str(settings.MEDIA_ROOT)},
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    dump, archive = backup.stdout.split()
    media = tmp_path / "restored-media"
    subprocess.run(
        [ROOT / "scripts/restore.sh", dump, archive],
        env={**env, "DATABASE_URL": _url(restored_name), "MEDIA_ROOT": str(media)},
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )

    with psycopg.connect(_url(restored_name)) as restored:
        (name,) = restored.execute(
            "SELECT name FROM customers_customer WHERE account_no = %s", ["3309000099"]
        ).fetchone()
        (ticket,) = restored.execute(
            "SELECT ticket_no FROM complaints_complaint WHERE id = %s", [complaint.pk]
        ).fetchone()
        (path,) = restored.execute(
            "SELECT file FROM complaints_complaintattachment WHERE id = %s", [attachment.pk]
        ).fetchone()
        (migrations,) = restored.execute("SELECT count(*) FROM django_migrations").fetchone()
    assert name == "备份演练医院"
    assert ticket == complaint.ticket_no
    assert path == attachment.file.name
    assert (media / path).read_bytes() == PDF
    assert migrations > 50
