"""Many clients at once: answers race, pipelines run side by side, nothing is lost.

Both modes: in-process (moto intercepts every thread's calls) and against the threaded moto
server, where each request has its own server thread. Every wait is bounded.
"""

from __future__ import annotations

import queue
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial
from typing import Any, TypeVar

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from pipelines import (
    APPROVE,
    REJECT,
    Client,
    Declaration,
    approval_stage,
    approval_token,
    declaration,
    deploy_stage,
    source_stage,
)

from moto_approvals import Approvals
from moto_approvals.engine import PipelineRuntime
from moto_approvals.models import approvals_backends

WORKERS = 8
PIPELINES = 20
DEADLINE = 60.0  # seconds for any one task; tasks take milliseconds

T = TypeVar("T")


def run_all(tasks: list[Callable[[], T]]) -> list[T]:
    """Run the tasks on WORKERS threads; their results in order; fail if one hangs."""
    executor = ThreadPoolExecutor(max_workers=WORKERS)
    try:
        futures = [executor.submit(task) for task in tasks]
        return [future.result(timeout=DEADLINE) for future in futures]
    finally:
        executor.shutdown(wait=False, cancel_futures=True)


@pytest.fixture
def clients(client_factory: Callable[..., Client]) -> list[Client]:
    """One CodePipeline client per worker, made here: creating clients is not thread-safe."""
    return [client_factory("codepipeline") for _ in range(WORKERS)]


def test_racing_answers_let_exactly_one_through(
    clients: list[Client], pending: dict[str, str]
) -> None:
    start = threading.Barrier(WORKERS, timeout=DEADLINE)

    def answer(client: Client) -> tuple[str, str]:
        start.wait()
        try:
            client.put_approval_result(**pending, result=APPROVE)
        except ClientError as err:
            return err.response["Error"]["Code"], err.response["Error"]["Message"]
        return "Approved", ""

    outcomes = Counter(run_all([partial(answer, client) for client in clients]))

    assert outcomes == {
        ("Approved", ""): 1,
        (
            "ApprovalAlreadyCompletedException",
            "The approval action has already been approved or rejected.",
        ): WORKERS - 1,
    }


@contextmanager
def lend(pool: queue.Queue[Client]) -> Iterator[Client]:
    client = pool.get(timeout=DEADLINE)
    try:
        yield client
    finally:
        pool.put(client)


def test_many_pipelines_answered_at_once_each_end_as_answered(
    clients: list[Client], role_arn: str
) -> None:
    pool: queue.Queue[Client] = queue.Queue()
    for client in clients:
        pool.put(client)
    answers = {f"release-{n:02}": APPROVE if n % 2 else REJECT for n in range(PIPELINES)}

    def create_and_answer(name: str) -> str:
        with lend(pool) as client:
            client.create_pipeline(pipeline=declaration(role_arn, name))
        with lend(pool) as client:
            token = approval_token(client, name)
        with lend(pool) as client:
            client.put_approval_result(
                pipelineName=name,
                stageName="Approve",
                actionName="ManualApproval",
                result=answers[name],
                token=token,
            )
        return name

    done = run_all([partial(create_and_answer, name) for name in answers])

    assert done == list(answers)
    codepipeline = clients[0]
    expected = {name: "Succeeded" if a is APPROVE else "Failed" for name, a in answers.items()}
    ended: dict[str, str] = {}
    for name in answers:
        summaries = codepipeline.list_pipeline_executions(pipelineName=name)
        [execution] = summaries["pipelineExecutionSummaries"]
        ended[name] = execution["status"]
    assert ended == expected


def test_an_answer_is_decided_while_the_backend_lock_is_held(
    codepipeline: Client,
    pending: dict[str, str],
    approvals: Approvals,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Under the GIL a racing test rarely interleaves check and set; this pins the lock itself.
    backend = approvals_backends[approvals.account_id][approvals.region_name]
    free_to_others: list[bool] = []
    decide = PipelineRuntime.put_approval_result

    def spy(runtime: PipelineRuntime, *args: Any, **kwargs: Any) -> None:
        def try_lock() -> None:
            acquired = backend.lock.acquire(blocking=False)
            free_to_others.append(acquired)
            if acquired:
                backend.lock.release()

        other = threading.Thread(target=try_lock)
        other.start()
        other.join(timeout=DEADLINE)
        decide(runtime, *args, **kwargs)

    monkeypatch.setattr(PipelineRuntime, "put_approval_result", spy)
    codepipeline.put_approval_result(**pending, result=APPROVE)

    assert free_to_others == [False]


STRESS_ROUNDS = 30  # per worker; a few seconds in all
#: What a racing client may be told: a stop that came too late, or twice.
STRESS_ERRORS = frozenset(
    {"PipelineExecutionNotStoppableException", "DuplicatedStopRequestException"}
)


@pytest.fixture
def eager_thread_switches() -> Iterator[None]:
    """Switch threads as often as the interpreter can, so races show within seconds."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(interval)


def test_reads_updates_and_stops_at_once_answer_only_modeled_errors(
    client_factory: Callable[..., Client], role_arn: str, eager_thread_switches: None
) -> None:
    # UpdatePipeline cancels the executions in flight; whoever reads state next prunes them
    # from the engine's working sets. Done outside the backend lock, readers trip over
    # each other (and over a renamed stage).
    def version(n: int) -> Declaration:
        stages = [source_stage(), approval_stage(), deploy_stage(f"Deploy{n % 2}")]
        return declaration(role_arn, stages=stages, pipelineType="V2", executionMode="PARALLEL")

    # No retries: botocore would quietly repeat a call that failed with a 500.
    once = Config(retries={"total_max_attempts": 1})
    clients = [client_factory("codepipeline", config=once) for _ in range(WORKERS)]
    clients[0].create_pipeline(pipeline=version(0))
    start = threading.Barrier(WORKERS, timeout=DEADLINE)

    def churn(client: Client, worker: int) -> Counter[str]:
        seen: Counter[str] = Counter()
        start.wait()
        for n in range(STRESS_ROUNDS):
            try:
                if worker % 4 == 0:  # a quarter of the clients write, the rest read
                    started = client.start_pipeline_execution(name="release")
                    client.update_pipeline(pipeline=version(worker + n))
                    client.stop_pipeline_execution(
                        pipelineName="release",
                        pipelineExecutionId=started["pipelineExecutionId"],
                        abandon=True,
                    )
                else:
                    client.get_pipeline_state(name="release")
                    client.list_pipeline_executions(pipelineName="release", maxResults=5)
                seen["ok"] += 1
            except ClientError as err:
                seen[err.response["Error"]["Code"]] += 1
        return seen

    tasks: list[Callable[[], Counter[str]]] = [
        partial(churn, client, worker) for worker, client in enumerate(clients)
    ]
    outcomes = sum(run_all(tasks), Counter())

    assert set(outcomes) - STRESS_ERRORS <= {"ok"}
    assert outcomes.total() == WORKERS * STRESS_ROUNDS
