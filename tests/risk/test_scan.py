"""The scan as a whole: history, follow-ups and notices on rises, overrides, statement counts,
and two scans never running at once."""

import datetime as dt
import threading

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts_manager.models import FollowUp, Notice
from common.actors import SYSTEM
from common.errors import DomainError
from config.celery import BEAT_SCHEDULE
from risk import notices as risk_notices
from risk import overrides as risk_overrides
from risk import services as risk
from risk.models import RiskAssessment, RiskOverride, RiskScan
from risk.tasks import expire_risk_overrides, scheduled_risk_scan
from tests.risk.factories import promise

pytestmark = pytest.mark.django_db

# With these bands the number of broken promises sets the level: 1 medium, 2 high, 3 critical.
BANDS = {"broken_promises": [(1, 30), (2, 60), (3, 80)]}


@pytest.fixture(autouse=True)
def simple_rules(settings):
    settings.RISK_FACTOR_BANDS = BANDS


def broken(customer, n: int, *, month: int = 5) -> None:
    for day in range(n):
        promise(customer, due=f"2025-0{month}-{10 + day}")


def risk_followups(customer):
    return FollowUp.objects.filter(customer=customer, kind="risk")


def test_each_scan_keeps_its_results_and_the_customer_shows_the_latest(
    customer_for, mgr_a, clock, scan
):
    clock("2025-06-02")
    customer = customer_for(mgr_a)
    first = scan()
    broken(customer, 2)
    clock("2025-06-03")
    second = scan()

    history = list(RiskAssessment.objects.filter(customer=customer).order_by("scan_id"))
    assert [(a.scan_id, a.level, a.score) for a in history] == [
        (first.pk, "low", 0),
        (second.pk, "high", 60),
    ]
    assert history[1].previous_level == "low"
    customer.refresh_from_db()
    assert (customer.risk_level, customer.risk_score) == ("high", 60)
    assert second.levels == {"low": 0, "medium": 0, "high": 1, "critical": 0}
    assert (second.customers_scanned, second.customers_total, second.risers) == (1, 1, 1)


def test_a_rise_to_high_opens_one_followup_in_the_managers_queue(customer_for, mgr_a, clock, scan):
    now = clock("2025-06-02")
    customer = customer_for(mgr_a)
    scan()
    broken(customer, 2)

    scan()

    followup = risk_followups(customer).get()
    assert followup.manager == mgr_a
    assert followup.status == "open"
    assert followup.source == f"risk:{customer.pk}"
    assert followup.due_at == now + dt.timedelta(days=2)
    assert followup.summary.startswith("欠费风险升至高")
    assert "60" in followup.summary


def test_a_steady_high_raises_no_second_followup(customer_for, mgr_a, clock, scan):
    clock("2025-06-02")
    customer = customer_for(mgr_a)
    broken(customer, 2)
    scan()
    followup = risk_followups(customer).get()
    followup.status = "done"
    followup.save(update_fields=["status"])

    clock("2025-06-03")
    later = scan()

    assert risk_followups(customer).count() == 1
    assert later.risers == 0
    assert not RiskAssessment.objects.get(scan=later, customer=customer).rose


def test_a_rise_from_high_to_critical_keeps_the_one_open_followup(customer_for, mgr_a, clock, scan):
    clock("2025-06-02")
    customer = customer_for(mgr_a)
    broken(customer, 2)
    scan()
    broken(customer, 1, month=4)

    critical = scan()

    assert RiskAssessment.objects.get(scan=critical, customer=customer).rose
    assert risk_followups(customer).filter(status="open").count() == 1


def test_a_fall_below_high_cancels_the_open_risk_followup(customer_for, mgr_a, clock, scan):
    clock("2025-06-02")
    customer = customer_for(mgr_a)
    broken(customer, 2)
    scan()
    other = FollowUp.objects.create(
        customer=customer,
        kind="promise",
        source="promise:1",
        summary="x",
        due_at=timezone.now(),
    )

    clock("2025-12-12")  # the promises are now more than 6 months old
    scan()

    followup = risk_followups(customer).get()
    assert followup.status == "cancelled"
    assert followup.note
    other.refresh_from_db()
    assert other.status == "open"


def test_supervisors_get_one_notice_per_scan_and_an_email_digest(
    customer_for, mgr_a, mgr_b, sup_east, clock, scan, django_capture_on_commit_callbacks
):
    clock("2025-06-02")
    risers = [
        customer_for(mgr_a, name="甲公司"),
        customer_for(mgr_b, name="乙公司"),
        customer_for(None, name="丙公司"),
    ]
    for n, customer in enumerate(risers):
        broken(customer, 2 + n % 2)
    calm = customer_for(mgr_a)
    broken(calm, 1)

    with django_capture_on_commit_callbacks(execute=True):
        done = scan()

    notice = Notice.objects.get(recipient=sup_east)
    assert notice.key == f"risk-scan:{done.pk}"
    assert "3" in notice.title
    assert notice.title.startswith("风险扫描")
    assert "甲公司" in notice.body and "乙公司" in notice.body and "丙公司" in notice.body
    assert notice.link.endswith(f"?scan={done.pk}")
    assert notice.emailed_at is not None
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [sup_east.email]
    assert email.subject == notice.title
    assert "甲公司" in email.body
    assert done.risers == 3


def test_no_notice_when_nobody_rose(
    customer_for, mgr_a, sup_east, clock, scan, django_capture_on_commit_callbacks
):
    clock("2025-06-02")
    customer_for(mgr_a)

    with django_capture_on_commit_callbacks(execute=True):
        scan()

    assert not Notice.objects.exists()
    assert mail.outbox == []


def test_an_override_is_shown_and_respected_by_the_scan_until_it_expires(
    customer_for, mgr_a, sup_east, clock, scan
):
    clock("2025-06-02")
    customer = customer_for(mgr_a)
    broken(customer, 2)
    scan()
    risk_followups(customer).delete()
    risk_overrides.set_risk_override(
        customer,
        level="low",
        reason="担保函已到位",
        acting_user=mgr_a,
        expires_at=timezone.now() + dt.timedelta(days=3),
    )
    customer.refresh_from_db()
    assert customer.risk_level == "low"

    broken(customer, 1, month=4)
    clock("2025-06-03")
    during = scan()

    assessment = RiskAssessment.objects.get(scan=during, customer=customer)
    assert (assessment.level, assessment.override_level, assessment.rose) == (
        "critical",
        "low",
        False,
    )
    customer.refresh_from_db()
    assert (customer.risk_level, customer.risk_score) == ("low", 80)
    assert not risk_followups(customer).exists()

    clock("2025-06-05", 11)
    assert expire_risk_overrides() == 1

    customer.refresh_from_db()
    assert customer.risk_level == "critical"
    override = RiskOverride.objects.get(customer=customer)
    assert override.end_reason == "expired"
    assert risk_followups(customer).get().status == "open"
    assert Notice.objects.filter(recipient=sup_east, key=f"risk-override-expired:{override.pk}")


def test_an_expired_override_is_ignored_by_the_scan_even_before_the_job_ran(
    customer_for, mgr_a, clock, scan
):
    clock("2025-06-02")
    customer = customer_for(mgr_a)
    risk_overrides.set_risk_override(
        customer,
        level="critical",
        reason="破产传闻",
        acting_user=mgr_a,
        expires_at=timezone.now() + dt.timedelta(hours=1),
    )
    clock("2025-06-02", 12)

    done = scan()

    assert RiskAssessment.objects.get(scan=done, customer=customer).override_level is None
    customer.refresh_from_db()
    assert customer.risk_level == "low"
    assert RiskOverride.objects.get().end_reason == "expired"


def test_a_new_override_replaces_the_one_in_force_and_both_stay_in_history(
    customer_for, mgr_a, sup_east, clock
):
    clock("2025-06-02")
    customer = customer_for(mgr_a)
    first = risk_overrides.set_risk_override(customer, level="high", reason="甲", acting_user=mgr_a)
    second = risk_overrides.set_risk_override(
        customer, level="medium", reason="乙", acting_user=sup_east
    )

    first.refresh_from_db()
    assert (first.end_reason, first.ended_by) == ("replaced", sup_east)
    assert second.is_in_force()
    assert first.expires_at == timezone.now() + dt.timedelta(days=30)
    customer.refresh_from_db()
    assert customer.risk_level == "medium"


@pytest.mark.parametrize(
    ("level", "days", "field"),
    [
        ("extreme", 3, "level"),
        ("high", -1, "expires_at"),
        ("high", 0, "expires_at"),
        ("high", 181, "expires_at"),
    ],
)
def test_a_bad_override_is_refused(customer_for, mgr_a, clock, level, days, field):
    clock("2025-06-02")
    customer = customer_for(mgr_a)

    with pytest.raises(DomainError) as refused:
        risk_overrides.set_risk_override(
            customer,
            level=level,
            reason="x",
            acting_user=mgr_a,
            expires_at=timezone.now() + dt.timedelta(days=days),
        )

    assert refused.value.field == field
    assert not RiskOverride.objects.exists()


def test_ending_an_override_shows_the_computed_level_again(customer_for, mgr_a, clock, scan):
    clock("2025-06-02")
    customer = customer_for(mgr_a)
    broken(customer, 1)
    scan()
    risk_overrides.set_risk_override(customer, level="high", reason="观察", acting_user=mgr_a)

    risk_overrides.end_risk_override(customer, acting_user=mgr_a)

    customer.refresh_from_db()
    assert customer.risk_level == "medium"
    assert RiskOverride.objects.get().end_reason == "cleared"


def test_only_changed_results_are_copied_to_the_customers(customer_for, mgr_a, clock, scan):
    clock("2025-06-02")
    steady, rising = customer_for(mgr_a), customer_for(mgr_a)
    broken(steady, 1)
    first = scan()
    broken(rising, 2)
    clock("2025-06-03")

    second = scan()

    assert RiskAssessment.objects.filter(scan=first, changed=True).count() == 2
    assert list(
        RiskAssessment.objects.filter(scan=second, changed=True).values_list("customer", flat=True)
    ) == [rising.pk]
    steady.refresh_from_db()
    rising.refresh_from_db()
    assert (steady.risk_level, steady.risk_score) == ("medium", 30)
    assert (rising.risk_level, rising.risk_score) == ("high", 60)


def test_an_override_set_while_a_scan_runs_is_kept_when_the_scan_is_published(
    customer_for, mgr_a, clock, scan, monkeypatch
):
    clock("2025-06-02")
    customer = customer_for(mgr_a)
    scan()
    broken(customer, 1)
    clock("2025-06-03")
    score_slices = risk.score_slices

    def override_meanwhile(*args):
        tally = score_slices(*args)
        risk_overrides.set_risk_override(
            customer, level="critical", reason="破产传闻", acting_user=mgr_a
        )
        return tally

    monkeypatch.setattr(risk, "score_slices", override_meanwhile)
    done = scan()

    assessment = RiskAssessment.objects.get(scan=done, customer=customer)
    assert (assessment.level, assessment.override_level, assessment.changed) == (
        "medium",
        None,
        True,
    )
    customer.refresh_from_db()
    assert (customer.risk_level, customer.risk_score) == ("critical", 30)


def test_an_override_ended_while_a_scan_runs_gives_way_to_the_new_result(
    customer_for, mgr_a, clock, scan, monkeypatch
):
    clock("2025-06-02")
    customer = customer_for(mgr_a)
    scan()
    risk_overrides.set_risk_override(
        customer, level="critical", reason="破产传闻", acting_user=mgr_a
    )
    broken(customer, 2)
    clock("2025-06-03")
    score_slices = risk.score_slices

    def end_meanwhile(*args):
        tally = score_slices(*args)
        risk_overrides.end_risk_override(customer, acting_user=mgr_a)
        return tally

    monkeypatch.setattr(risk, "score_slices", end_meanwhile)
    done = scan()

    assessment = RiskAssessment.objects.get(scan=done, customer=customer)
    assert (assessment.level, assessment.override_level) == ("high", "critical")
    customer.refresh_from_db()
    assert (customer.risk_level, customer.risk_score) == ("high", 60)


def test_assessments_older_than_the_retention_are_pruned_and_their_scans_kept(
    customer_for, mgr_a, clock, scan, settings
):
    settings.RISK_HISTORY_RETENTION_DAYS = 30
    clock("2025-04-01")
    customer = customer_for(mgr_a)
    old = scan()
    clock("2025-04-20")
    kept = scan()
    clock("2025-05-05")

    latest = scan()

    assert list(
        RiskAssessment.objects.filter(customer=customer)
        .order_by("scan")
        .values_list("scan", flat=True)
    ) == [kept.pk, latest.pk]
    old.refresh_from_db()
    assert (old.status, old.customers_scanned) == ("done", 1)


def test_a_supervisors_digest_lists_the_highest_scores_and_counts_the_rest(
    customer_for, mgr_a, sup_east, clock, scan
):
    clock("2025-06-02")
    for n in range(risk_notices.DIGEST_LINES + 3):
        broken(customer_for(mgr_a, name=f"客户{n:02d}"), 3 if n < 2 else 2)

    done = scan()

    notice = Notice.objects.get(recipient=sup_east, key=f"risk-scan:{done.pk}")
    lines = notice.body.splitlines()
    assert str(risk_notices.DIGEST_LINES + 3) in notice.title
    assert len(lines) == risk_notices.DIGEST_LINES + 1
    assert "客户00" in lines[0] and "客户01" in lines[1]  # critical first
    assert lines[-1] == "……另有 3 户"
    assert done.risers == risk_notices.DIGEST_LINES + 3


def populate(customer_for, managers, count: int) -> None:
    for n in range(count):
        customer = customer_for(managers[n % len(managers)])
        broken(customer, n % 4)


def count_statements(scan, django_capture_on_commit_callbacks) -> tuple[int, RiskScan]:
    with (
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks(execute=True),
    ):
        done = scan()
    return len(queries), done


def test_the_number_of_statements_is_the_same_for_10_and_200_customers(
    customer_for, mgr_a, mgr_b, mgr_c, sup_east, clock, scan, django_capture_on_commit_callbacks
):
    clock("2025-06-02")
    populate(customer_for, [mgr_a, mgr_b, mgr_c], 10)
    small, first = count_statements(scan, django_capture_on_commit_callbacks)
    populate(customer_for, [mgr_a, mgr_b, mgr_c], 190)
    clock("2025-06-03")
    large, second = count_statements(scan, django_capture_on_commit_callbacks)

    assert (first.customers_scanned, second.customers_scanned) == (10, 200)
    assert first.risers > 0 and second.risers > first.risers
    assert small == large
    assert large < 100  # 20 slices, each one statement with its savepoint in a test


def test_a_second_scan_is_refused_while_one_is_queued_or_running(db):
    first = risk.queue_risk_scan(acting_user=SYSTEM)
    with pytest.raises(risk.ScanBusy) as refused:
        risk.queue_risk_scan(acting_user=SYSTEM)
    assert refused.value.scan == first

    RiskScan.objects.filter(pk=first.pk).update(status="running", heartbeat_at=timezone.now())
    with pytest.raises(risk.ScanBusy):
        risk.queue_risk_scan(acting_user=SYSTEM)
    assert RiskScan.objects.count() == 1


def test_a_dead_scan_is_given_up_so_a_new_one_can_start(db, clock):
    clock("2025-06-02")
    dead = risk.queue_risk_scan(acting_user=SYSTEM)
    RiskScan.objects.filter(pk=dead.pk).update(
        status="running", heartbeat_at=timezone.now() - dt.timedelta(minutes=16)
    )

    fresh = risk.queue_risk_scan(acting_user=SYSTEM)

    dead.refresh_from_db()
    assert dead.status == "failed"
    assert fresh.status == "queued"


def test_a_scan_delivered_twice_runs_once(customer_for, mgr_a, clock):
    clock("2025-06-02")
    customer_for(mgr_a)
    queued = risk.queue_risk_scan(acting_user=SYSTEM)

    assert risk.run_risk_scan(queued.pk).status == "done"
    assert risk.run_risk_scan(queued.pk) is None
    assert RiskAssessment.objects.filter(scan=queued).count() == 1


def test_a_scan_given_up_while_running_drops_its_results(customer_for, mgr_a, clock, monkeypatch):
    clock("2025-06-02")
    customer = customer_for(mgr_a)
    broken(customer, 2)
    publish = risk._publish

    def taken_for_dead(scan_id, now, tally):
        RiskScan.objects.filter(pk=scan_id).update(status="failed")
        publish(scan_id, now, tally)

    monkeypatch.setattr(risk, "_publish", taken_for_dead)
    queued = risk.queue_risk_scan(acting_user=SYSTEM)

    assert risk.run_risk_scan(queued.pk).status == "failed"
    assert not RiskAssessment.objects.exists()
    customer.refresh_from_db()
    assert customer.risk_level is None
    assert not FollowUp.objects.exists()


def test_a_failing_scan_is_marked_failed_and_leaves_customers_as_they_were(
    customer_for, mgr_a, clock, scan, monkeypatch
):
    clock("2025-06-02")
    customer = customer_for(mgr_a)
    scan()

    def broken_sql(rules, **options):
        return "SELECT no_such_column FROM billing_riskscan"

    monkeypatch.setattr(risk, "assessment_insert_sql", broken_sql)
    queued = risk.queue_risk_scan(acting_user=SYSTEM)
    failed = risk.run_risk_scan(queued.pk)

    assert failed.status == "failed"
    assert "no_such_column" in failed.error
    assert not RiskAssessment.objects.filter(scan=failed).exists()
    customer.refresh_from_db()
    assert customer.risk_level == "low"
    assert risk.queue_risk_scan(acting_user=SYSTEM).status == "queued"


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_requests_start_one_scan():
    barrier = threading.Barrier(2)
    outcomes = []

    def request():
        barrier.wait()
        try:
            outcomes.append(risk.queue_risk_scan(acting_user=SYSTEM).pk)
        except risk.ScanBusy:
            outcomes.append("busy")
        finally:
            connection.close()

    threads = [threading.Thread(target=request) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes, key=str).count("busy") == 1
    assert RiskScan.objects.count() == 1


def test_the_nightly_job_scans_and_skips_while_a_scan_is_under_way(customer_for, mgr_a, clock):
    clock("2025-06-02")
    customer_for(mgr_a)

    assert scheduled_risk_scan() == "done"
    assert RiskScan.objects.get().trigger == "schedule"

    risk.queue_risk_scan(acting_user=SYSTEM)
    assert scheduled_risk_scan() is None


def test_the_beat_schedule_runs_the_nightly_scan_and_the_expiry_job():
    assert BEAT_SCHEDULE["billing-risk-scan-nightly"]["task"] == scheduled_risk_scan.name
    assert BEAT_SCHEDULE["billing-risk-expire-overrides"]["task"] == expire_risk_overrides.name


@pytest.mark.django_db(transaction=True)
def test_in_autocommit_the_slices_are_scored_on_parallel_connections(
    customer_for, mgr_a, clock, settings, monkeypatch
):
    clock("2025-06-02")
    settings.RISK_SCAN_WORKERS = 3
    customers = [customer_for(mgr_a) for _ in range(30)]
    for n, customer in enumerate(customers):
        broken(customer, n % 4)
    backends = set()
    progress = []
    run_slice = risk._run_slice

    def recorded(sql, params):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backends.add(cursor.fetchone()[0])
        tally = run_slice(sql, params)
        progress.append(RiskScan.objects.get(pk=params["scan"]).customers_scanned)
        return tally

    monkeypatch.setattr(risk, "_run_slice", recorded)

    done = risk.run_risk_scan(risk.queue_risk_scan(acting_user=SYSTEM).pk)

    assert done.status == "done"
    assert len(backends) > 1
    # Each slice adds its rows to the progress as it commits.
    assert len(progress) == settings.RISK_SCAN_SLICES
    assert max(progress) == 30
    assert done.customers_scanned == 30
    assert done.levels == {"low": 8, "medium": 8, "high": 7, "critical": 7}
    assert done.risers == 14
    assert RiskAssessment.objects.filter(scan=done).count() == 30


@pytest.mark.django_db(transaction=True)
def test_only_the_slices_commit_without_waiting_for_the_disk(customer_for, mgr_a, clock, scan):
    clock("2025-06-02")
    customer_for(mgr_a)
    sql = risk.assessment_insert_sql(risk.RiskRules.from_settings(), progress=True)

    scan()

    assert "set_config('synchronous_commit', 'off', true)" in sql
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"


@pytest.mark.django_db(transaction=True)
def test_a_scan_given_up_between_slices_stops_and_keeps_no_rows(
    customer_for, mgr_a, clock, monkeypatch
):
    clock("2025-06-02")
    for _ in range(5):
        broken(customer_for(mgr_a), 2)
    run_slice = risk._run_slice
    slices = []

    def given_up_after_the_first(sql, params):
        if slices:
            RiskScan.objects.filter(pk=params["scan"]).update(status="failed", error="given up")
        slices.append(params["lo"])
        return run_slice(sql, params)

    monkeypatch.setattr(risk, "_run_slice", given_up_after_the_first)

    lost = risk.run_risk_scan(risk.queue_risk_scan(acting_user=SYSTEM).pk)

    assert (lost.status, lost.error) == ("failed", "given up")
    assert not RiskAssessment.objects.exists()
    assert not FollowUp.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_failing_slice_on_a_parallel_connection_fails_the_scan(
    customer_for, mgr_a, clock, monkeypatch
):
    clock("2025-06-02")
    for _ in range(5):
        customer_for(mgr_a)
    run_slice = risk._run_slice

    def failing(sql, params):
        if params["lo"] > params["hi"] - 2:  # a late, small slice
            raise RuntimeError("disk full")
        return run_slice(sql, params)

    monkeypatch.setattr(risk, "_run_slice", failing)

    failed = risk.run_risk_scan(risk.queue_risk_scan(acting_user=SYSTEM).pk)

    assert failed.status == "failed"
    assert failed.error == "disk full"
    assert not RiskAssessment.objects.exists()
