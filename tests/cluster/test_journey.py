"""The journey across the local cluster (issue #15, point 6): HAProxy → two gunicorn, Redis, the
workers, S3, PostgreSQL primary + replica. Run by ``bash scripts/cluster.sh test`` on a fresh
cluster with the demo world; the tests run in this order and build on each other.

Each failure drill says what it checks: a killed worker (the job ends done, its rows exactly
once), an application instance restarted while the other serves (no request lost, no write lost),
Redis stopped (pages still served or the French 503 page, never a 500; then back).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import statistics
import threading
import time

import psycopg
import pytest
import redis

from tests.cluster.helpers import (
    OF_EMAIL,
    PROXY,
    UNAVAILABLE,
    WEB1,
    WEB2,
    Browser,
    component,
    sql,
    wait_until,
    without_tokens,
)

pytestmark = pytest.mark.cluster

ORDER_NUMBER = "23Q05322133_1"  # the demo's open action of OF IN1331, 10 trainees, 2023-09 → 2024-09
FIRST_DAY, LAST_DAY = dt.date(2023, 9, 4), dt.date(2024, 8, 30)


@pytest.fixture(scope="module")
def of_user():
    browser = Browser()
    response = browser.log_in(OF_EMAIL, os.environ["FORMARCHE_CLUSTER_DEMO_PASSWORD"])
    assert response.status_code == 302, response.text[:500]
    return browser


@pytest.fixture(scope="module")
def order_id():
    return sql("SELECT id FROM orders_order WHERE number = %s", (ORDER_NUMBER,))[0][0]


def _redis():
    return redis.Redis.from_url(os.environ["REDIS_URL"])


def _figure_generation(order_id) -> int:
    value = _redis().get(f":1:formarche:fig:order:{order_id}:gen")
    return int(value) if value is not None else 0


def _cell(browser, order_id, enrolment_id, day, hours, *, base=None):
    return browser.post(
        f"/actions/{order_id}/realisations/{day:%Y-%m}/cellule/",
        {"enrolment": enrolment_id, "day": day.isoformat(), "realised": hours, "counted": "", "reason": ""},
        base=base,
        headers={"HX-Request": "true"},
    )


def _stored_hours(enrolment_id, day):
    rows = sql(
        "SELECT realised_hours FROM attendance_attendance WHERE enrolment_id = %s AND day = %s AND kind = 'jour'",
        (enrolment_id, day),
    )
    return str(rows[0][0]) if rows else None


def test_login_through_the_proxy_and_the_same_session_on_each_instance(of_user):
    for base in (PROXY, WEB1, WEB2):
        response = of_user.get("/", base=base)
        assert response.status_code == 200, (base, response.status_code, response.headers.get("Location"))
        assert OF_EMAIL in response.text, base


def test_a_cached_figure_invalidated_on_one_instance_is_invalidated_on_the_other(of_user, order_id):
    followup = f"/actions/{order_id}/realisations/"
    enrolment_id = sql("SELECT min(id) FROM trainees_enrolment WHERE order_id = %s", (order_id,))[0][0]
    day = dt.date(2023, 9, 5)
    first = of_user.get(followup, base=WEB1)
    assert first.status_code == 200
    generation = _figure_generation(order_id)
    cached = _redis().keys(f":1:formarche:fig:order:{order_id}:{generation}:monthly-totals")
    assert cached, "le chiffre de suivi n'est pas dans le Redis partagé"
    assert without_tokens(of_user.get(followup, base=WEB2).text) == without_tokens(first.text)
    hours = "6.5" if _stored_hours(enrolment_id, day) != "6.50" else "5.5"
    assert _cell(of_user, order_id, enrolment_id, day, hours, base=WEB2).status_code == 200
    assert _stored_hours(enrolment_id, day) == f"{float(hours):.2f}"
    assert _figure_generation(order_id) == generation + 1
    after = of_user.get(followup, base=WEB1)
    assert after.status_code == 200
    assert without_tokens(after.text) != without_tokens(first.text), "instance 1 sert l'ancien chiffre"


def _hours_file(order_id, *, hours: str = "1") -> tuple[bytes, int]:
    """Every weekday of the action for each of its trainees: 1 h (about 2 600 rows, over the
    2 000 rows run inline, so the import goes to a worker)."""
    trainees = sql(
        "SELECT t.external_ref FROM trainees_enrolment e JOIN trainees_trainee t ON t.id = e.trainee_id "
        "WHERE e.order_id = %s ORDER BY e.id",
        (order_id,),
    )
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["numero_action", "identifiant_stagiaire", "date", "realise"])
    rows = 0
    day = FIRST_DAY
    while day <= LAST_DAY:
        if day.weekday() < 5:
            for (ref,) in trainees:
                writer.writerow([ORDER_NUMBER, ref, f"{day:%d/%m/%Y}", hours])
                rows += 1
        day += dt.timedelta(days=1)
    return out.getvalue().encode("utf-8"), rows


def _job(job_id):
    return sql("SELECT status, processed_rows, total_rows FROM imports_importjob WHERE id = %s", (job_id,))[0]


def _job_worker(job_id) -> tuple[str, int]:
    return sql("SELECT worker_id, attempts FROM imports_importjob WHERE id = %s", (job_id,))[0]


def _upload(browser, content: bytes) -> int:
    response = browser.post(
        "/imports/", {"kind": "heures"}, files={"file": ("heures-cluster.csv", content, "text/csv")}
    )
    assert response.status_code == 302, response.text[-2000:]
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def _count_rows(order_id, *, hours: int = 1):
    return sql(
        "SELECT count(*), count(DISTINCT (a.enrolment_id, a.day, a.kind)), "
        "count(*) FILTER (WHERE a.realised_hours = %s) FROM attendance_attendance a "
        "JOIN trainees_enrolment e ON e.id = a.enrolment_id WHERE e.order_id = %s",
        (hours, order_id),
    )[0]


def test_a_large_import_runs_in_the_background_while_pages_answer(of_user, order_id):
    content, rows = _hours_file(order_id)
    assert rows > 2000
    started = time.monotonic()
    job_id = _upload(of_user, content)
    answered, latencies = [], []
    while _job(job_id)[0] not in {"terminee", "refusee", "echec"}:
        for base in (WEB1, WEB2, PROXY):
            t0 = time.monotonic()
            status = of_user.get("/actions/", base=base).status_code
            latencies.append(time.monotonic() - t0)
            answered.append(status)
        assert time.monotonic() - started < 300, f"import toujours en cours : {_job(job_id)}"
    status, processed, total = _job(job_id)
    print(
        f"\nimport de {rows} lignes : {time.monotonic() - started:.1f} s, {len(answered)} pages servies "
        f"pendant ce temps (médiane {statistics.median(latencies or [0]) * 1000:.0f} ms, "
        f"max {max(latencies or [0]) * 1000:.0f} ms)"
    )
    assert status == "terminee", _job(job_id)
    assert processed == total == rows
    worker_id, _attempts = _job_worker(job_id)
    assert "travailleur" in worker_id, f"import non exécuté par un travailleur : {worker_id!r}"
    assert answered and set(answered) == {200}, answered
    count, distinct, at_one_hour = _count_rows(order_id)
    assert count == distinct == at_one_hour == rows


def test_issue_an_invoice_and_download_it(of_user, order_id):
    month = "2023-09"
    response = of_user.post(f"/actions/{order_id}/facturation/{month}/valider/", {})
    assert response.status_code == 302
    response = of_user.post(f"/actions/{order_id}/facturation/{month}/emettre/", {})
    assert response.status_code == 302
    invoice_id, number, key = sql(
        "SELECT i.id, i.number, i.document FROM billing_invoice i JOIN billing_period p ON p.id = i.period_id "
        "WHERE p.order_id = %s AND p.month = %s",
        (order_id, dt.date(2023, 9, 1)),
    )[0]
    assert number
    pdf = of_user.get(f"/factures/{invoice_id}/facture.pdf")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    assert of_user.get(f"/factures/{invoice_id}/facture.pdf", base=WEB2).content == pdf.content
    stored = _s3().get_object(Bucket=os.environ["S3_BUCKET"], Key=key)["Body"].read()
    assert stored == pdf.content, f"l'objet S3 {key} diffère du PDF téléchargé"


def _s3():
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=os.environ["S3_ENDPOINT_URL"],
        aws_access_key_id=os.environ["S3_ACCESS_KEY_ID"],
        aws_secret_access_key=os.environ["S3_SECRET_ACCESS_KEY"],
        region_name=os.environ.get("S3_REGION") or "us-east-1",
    )


def test_the_bpf_is_computed_on_the_replica(of_user):
    """The BPF page reads the replica, a page that is not a report does not: rows read by the
    replica's backends (pg_stat_database, tup_returned + tup_fetched) during each page. One
    connection of our own, opened first (a new connection reads the catalogs and would count);
    a backend's statistics reach pg_stat_database once it is idle, at most 10 s later."""
    index = of_user.get("/bpf/")
    assert index.status_code == 200
    fiscal_year = re.search(r"/bpf/exercices/(\d+)/", index.text).group(1)
    query = "SELECT tup_returned + tup_fetched FROM pg_stat_database WHERE datname = current_database()"
    with psycopg.connect(os.environ["DATABASE_REPLICA_URL"], autocommit=True) as replica:

        def reads_during(path) -> int:
            time.sleep(11)
            before = replica.execute(query).fetchone()[0]
            assert of_user.get(path).status_code == 200
            time.sleep(11)
            return replica.execute(query).fetchone()[0] - before

        baseline = reads_during("/actions/")
        bpf = reads_during(f"/bpf/exercices/{fiscal_year}/")
    print(f"\nréplique : {bpf} lignes lues pendant le BPF, {baseline} pendant la liste des actions")
    assert bpf > 100 and bpf > 5 * baseline, (bpf, baseline)


def test_a_worker_killed_mid_import_the_job_ends_done_rows_once(of_user, order_id):
    """kill -9 of the worker running a large import: after its lease expires the other worker takes
    the job again; it ends « terminé », every row exactly once, with the new values."""
    content, rows = _hours_file(order_id, hours="2")
    job_id = _upload(of_user, content)
    worker_id, _attempts = wait_until(
        lambda: (w := _job_worker(job_id))[0] and _job(job_id)[0] == "en_cours" and w,
        timeout=120,
        every=0.05,
        what="import pris par un travailleur",
    )
    number = worker_id.rsplit("travailleur", 1)[1]
    component("workers", "kill", number)
    killed_at = time.monotonic()
    status = _job(job_id)[0]
    assert status == "en_cours", f"l'import n'était plus en cours au moment du kill : {status}"
    try:
        wait_until(
            lambda: _job(job_id)[0] in {"terminee", "refusee", "echec"},
            timeout=240,
            what="reprise de l'import",
        )
    finally:
        component("workers", "up", number)
    status, processed, total = _job(job_id)
    new_worker, attempts = _job_worker(job_id)
    print(
        f"\ntravailleur {worker_id} tué ; repris par {new_worker} (tentative {attempts}) et terminé "
        f"{time.monotonic() - killed_at:.1f} s après"
    )
    assert status == "terminee"
    assert attempts >= 2 and new_worker != worker_id
    count, distinct, at_two_hours = _count_rows(order_id, hours=2)
    assert count == distinct == at_two_hours == rows


def test_restart_one_instance_while_the_other_serves(of_user, order_id):
    """Writes through the proxy during a rolling restart of instance 2 (``web.sh restart 2``:
    HAProxy drains it, it stops, starts, is sent requests again): every request answers 200 and
    every write is stored."""
    enrolment_id = sql("SELECT max(id) FROM trainees_enrolment WHERE order_id = %s", (order_id,))[0][0]
    days = [d for d in (dt.date(2024, 3, 1) + dt.timedelta(days=i) for i in range(31)) if d.weekday() < 5]
    results, stop = [], threading.Event()

    def write_loop():  # until the restart is over, a new value for each day at each round
        i = 0
        while not stop.is_set() and i < 40 * len(days):
            day = days[i % len(days)]
            hours = f"{1 + (i // len(days)) * 0.25:.2f}"
            i += 1
            response = _cell(of_user, order_id, enrolment_id, day, hours)
            results.append((day, hours, response.status_code))

    writer = threading.Thread(target=write_loop)
    writer.start()
    time.sleep(1)
    component("web", "restart", "2")
    time.sleep(2)  # a few requests to instance 2 again
    stop.set()
    writer.join(timeout=60)
    print(f"\nredémarrage de l'instance 2 : {len(results)} écritures par le répartiteur, toutes 200")
    assert results and {status for _d, _h, status in results} == {200}, results
    last = {day: hours for day, hours, _s in results}
    for day, hours in last.items():
        assert _stored_hours(enrolment_id, day) == hours, day
    wait_until(lambda: of_user.get("/", base=WEB2).status_code == 200, timeout=30, what="instance 2 revenue")


def test_redis_stopped_then_back(of_user, order_id):
    """Redis down: pages are served (sessions from the database, figures computed) or answer the
    French 503 page — never a 500 —, a write is stored or refused whole; then Redis comes back."""
    enrolment_id = sql("SELECT min(id) FROM trainees_enrolment WHERE order_id = %s", (order_id,))[0][0]
    day = dt.date(2024, 4, 2)
    previous = _stored_hours(enrolment_id, day)
    component("redis", "down")
    try:
        statuses = {}
        for path in ("/", "/actions/", f"/actions/{order_id}/realisations/"):
            response = of_user.get(path)
            statuses[path] = response.status_code
            assert response.status_code in {200, 503}, (path, response.status_code)
            if response.status_code == 503:
                assert UNAVAILABLE in response.text
        response = _cell(of_user, order_id, enrolment_id, day, "4.25")
        assert response.status_code in {200, 503}
        stored = _stored_hours(enrolment_id, day)
        assert stored == ("4.25" if response.status_code == 200 else previous), (response.status_code, stored)
        print(f"\nRedis arrêté : {statuses}, écriture {response.status_code}")
    finally:
        component("redis", "up")
    response = of_user.get("/")
    assert response.status_code == 200
    assert OF_EMAIL in response.text, "la session n'a pas survécu au redémarrage de Redis"
