"""Several `followthrough scheduler` processes on one PostgreSQL (RELIABILITY check 9):
processes killed, stalled and stopped at random moments never overlap a source's syncs,
never commit with a stale fence, and orphaned sources resume within TTL + one interval.
SIGTERM mid-sync leaves mirror and cursor consistent, and the next run resumes.

Real processes and real time (bounded, ~30 s): the paced connector (tests/service/sync/
paced.py) is registered inside each subprocess.
"""

from __future__ import annotations

import itertools
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text

from service.clock import SystemClock
from service.config import SourceSettings
from service.db import make_session_factory
from service.store.models import Item, Lease, PartitionStateRow, SyncRun
from service.sync.runner import SyncRunner
from tests.conftest import truncate_all
from tests.service.sync.paced import KIND, PacedConfig, PacedConnector

pytestmark = pytest.mark.postgres

REPO = Path(__file__).resolve().parents[2]
TTL = 3
INTERVAL = 2
SLACK = 2.5  # process scheduling, jitter (0.2 s) and a page in flight
SOURCES = [f"s{n}" for n in range(6)]
PACED = (sys.executable, "-m", "tests.service.sync.paced")

AUDIT = """
CREATE TABLE lease_audit (
    id serial PRIMARY KEY, run_id int, was text, status text, run_owner text, lease_owner text
);
CREATE FUNCTION lease_audit() RETURNS trigger AS $$ BEGIN
    INSERT INTO lease_audit (run_id, was, status, run_owner, lease_owner)
    SELECT NEW.id, OLD.status, NEW.status, NEW.owner, l.owner
    FROM leases l WHERE l.source = NEW.source;
    RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER lease_audit AFTER UPDATE ON sync_runs FOR EACH ROW EXECUTE FUNCTION lease_audit();
"""
DROP_AUDIT = """
DROP TRIGGER IF EXISTS lease_audit ON sync_runs;
DROP FUNCTION IF EXISTS lease_audit();
DROP TABLE IF EXISTS lease_audit;
"""


@pytest.fixture
def pg(postgres_engine: Engine) -> Iterator[Engine]:
    """The test PostgreSQL, emptied, with an audit of every sync-run update: which owner
    wrote it and who held the lease as that transaction saw it."""
    truncate_all(postgres_engine)
    with postgres_engine.begin() as connection:
        connection.exec_driver_sql(DROP_AUDIT)
        connection.exec_driver_sql(AUDIT)
    yield postgres_engine
    with postgres_engine.begin() as connection:
        connection.exec_driver_sql(DROP_AUDIT)
    truncate_all(postgres_engine)


class Replicas:
    """`followthrough scheduler` subprocesses with the paced connector registered."""

    def __init__(self, config: Path, logs: Path) -> None:
        self.config = config
        self.logs = logs
        self.live: list[subprocess.Popen[bytes]] = []
        self.all: list[subprocess.Popen[bytes]] = []

    def spawn(self) -> subprocess.Popen[bytes]:
        log = (self.logs / f"replica-{len(self.all)}.log").open("wb")
        process = subprocess.Popen(
            [*PACED, "scheduler", "--config", str(self.config)],
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.live.append(process)
        self.all.append(process)
        return process

    def replace(self, process: subprocess.Popen[bytes]) -> None:
        self.live.remove(process)
        self.spawn()

    def stop_all(self) -> list[int | None]:
        for process in self.live:
            process.send_signal(signal.SIGTERM)
        return [process.wait(timeout=30) for process in self.live]

    def kill_all(self) -> None:
        for process in self.all:
            if process.poll() is None:
                process.kill()
                process.wait()

    def output(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}"
            for path in sorted(self.logs.glob("replica-*.log"))
        )


def write_config(tmp_path: Path, url: str, sources: dict[str, str], *, poll: str) -> Path:
    lines = [f"database_url: {url}", f"lease_ttl: {TTL}s", "sources:"]
    lines += [
        f"  - {{name: {name}, kind: {KIND}, poll_interval: {poll}, {options}}}"
        for name, options in sources.items()
    ]
    path = tmp_path / "replicas.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def replicas(tmp_path: Path) -> Iterator[Replicas]:
    made = Replicas(tmp_path / "replicas.yaml", tmp_path)
    yield made
    made.kill_all()


def owned_by(run: SyncRun, process: subprocess.Popen[bytes]) -> bool:
    return (run.owner or "").startswith(f"{socket.gethostname()}:{process.pid}:")


def syncing_process(
    engine: Engine, processes: list[subprocess.Popen[bytes]]
) -> subprocess.Popen[bytes] | None:
    """A process that is in the middle of a sync, waiting up to a few seconds for one."""
    for _ in range(30):
        running = [r for r in all_runs(engine) if r.status == "running"]
        found = [p for p in processes for r in running if owned_by(r, p)]
        if found:
            return found[0]
        time.sleep(0.1)
    return None


def all_runs(engine: Engine) -> list[SyncRun]:
    with make_session_factory(engine)() as session:
        return list(session.scalars(select(SyncRun).order_by(SyncRun.id)))


def test_replicas_killed_and_stalled_at_random_never_overlap_and_orphans_resume(
    pg, tmp_path, replicas
):
    url = pg.url.render_as_string(hide_password=False)
    options = "items: 8, page_size: 2, page_delay: 0.25, drift: true"
    replicas.config = write_config(
        tmp_path, url, dict.fromkeys(SOURCES, options), poll=f"{INTERVAL}s"
    )
    for _ in range(3):
        replicas.spawn()
    chaos = random.Random(9)
    killed: list[tuple[subprocess.Popen[bytes], datetime]] = []
    stalled = 0
    deadline = time.monotonic() + 20
    time.sleep(3)  # let the first polls start
    while time.monotonic() < deadline:
        action = chaos.choice(["kill", "kill", "stall", "stall", "term"])
        victim = syncing_process(pg, replicas.live) or chaos.choice(replicas.live)
        if action == "kill":
            victim.kill()
            victim.wait()
            killed.append((victim, datetime.now(UTC)))
            replicas.replace(victim)
        elif action == "stall":
            # A stalled worker: its lease lapses and passes on, then it wakes up. (One
            # stopped inside a page transaction keeps the row lock, so it may still commit;
            # that is why the resume bound below is checked for killed processes only.)
            victim.send_signal(signal.SIGSTOP)
            time.sleep(TTL + INTERVAL)
            victim.send_signal(signal.SIGCONT)
            stalled += 1
        else:
            victim.send_signal(signal.SIGTERM)
            assert victim.wait(timeout=30) == 0, replicas.output()
            replicas.replace(victim)
        time.sleep(chaos.uniform(0.3, 1.5))
    calm = datetime.now(UTC)
    time.sleep(TTL + INTERVAL + SLACK)
    assert replicas.stop_all() == [0] * len(replicas.live), replicas.output()

    runs = all_runs(pg)
    assert runs, replicas.output()
    assert not [r.id for r in runs if r.status == "running"]
    for source in SOURCES:
        mine = sorted((r for r in runs if r.source == source), key=lambda r: r.started_at)
        for before, after in itertools.pairwise(mine):
            assert before.finished_at <= after.started_at, (source, before.id, after.id)
        assert any(r.status == "success" and r.started_at >= calm for r in mine), source
    with pg.connect() as connection:
        audit = connection.execute(
            text("SELECT run_id, was, status, run_owner, lease_owner FROM lease_audit")
        ).all()
    assert [row for row in audit if row.was != "running"] == []  # nothing wrote a closed run
    by_its_process = [row for row in audit if row.status in ("running", "success", "partial")]
    assert by_its_process, "no page was committed at all"
    assert [row for row in by_its_process if row.run_owner != row.lease_owner] == []
    bound = timedelta(seconds=TTL + INTERVAL + SLACK)
    for victim, when in killed:
        for run in (r for r in runs if owned_by(r, victim) and r.started_at <= when):
            if run.finished_at is not None and run.finished_at <= when:
                continue  # finished before the process went away
            later = [r for r in runs if r.source == run.source and r.started_at > run.started_at]
            assert later, (run.source, run.id)
            assert min(r.started_at for r in later) <= when + bound, (run.source, run.id)
    assert stalled > 0
    lost = [
        r for r in runs if r.error_kind == "interrupted" and "stopped before" in (r.error or "")
    ]
    assert lost, "no run was orphaned mid-sync"


def test_sigterm_mid_sync_leaves_mirror_and_cursor_consistent_and_the_next_run_resumes(
    pg, tmp_path, replicas
):
    url = pg.url.render_as_string(hide_password=False)
    replicas.config = write_config(
        tmp_path, url, {"slow": "items: 30, page_size: 3, page_delay: 0.3"}, poll="20s"
    )
    process = replicas.spawn()
    sessions = make_session_factory(pg)
    for _ in range(300):  # up to 30 s: until two pages are committed
        with sessions() as session:
            seen = session.scalar(select(SyncRun.items_seen).where(SyncRun.source == "slow"))
        if seen and seen >= 6:
            break
        time.sleep(0.1)
    else:
        pytest.fail("the sync never committed two pages\n" + replicas.output())

    process.send_signal(signal.SIGTERM)

    assert process.wait(timeout=30) == 0, replicas.output()
    with sessions() as session:
        [run] = session.scalars(select(SyncRun))
        items = list(session.scalars(select(Item).order_by(Item.updated_at)))
        cursor = session.scalar(select(PartitionStateRow.cursor))
        lease = session.get(Lease, "slow")
    assert (run.status, run.error_kind) == ("failed", "interrupted")
    assert 6 <= run.items_seen < 30
    assert len(items) == run.items_seen
    assert cursor == items[-1].updated_at
    assert lease is not None
    assert lease.lease_until is None

    source = SourceSettings(
        name="slow", kind=KIND, connector=PacedConfig(name="slow", items=30, page_delay=0)
    )
    resumed = SyncRunner(sessions, SystemClock(), {KIND: PacedConnector}).sync(source)

    assert resumed.status == "success"
    assert resumed.items_seen == 30 - len(items) + 1  # the rest, plus the cursor's tie
    with sessions() as session:
        assert len(list(session.scalars(select(Item)))) == 30
