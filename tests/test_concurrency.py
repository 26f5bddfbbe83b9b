"""Many clients at once: answers race, pipelines run side by side, nothing is lost.

Both modes: in-process (moto intercepts every thread's calls) and against the threaded moto
server, where each request has its own server thread. Every wait is bounded.
"""

from __future__ import annotations

import queue
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial
from typing import Any, TypeVar

import pytest
from botocore.exceptions import ClientError
from pipelines import APPROVE, REJECT, Client, approval_token, declaration

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
