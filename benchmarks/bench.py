"""Cost of the emulator's operations relative to moto's own GetPipeline, with their targets.

Run: ``python benchmarks/bench.py [section ...] [--repeat N] [--in-flight N] [--history N]``;
sections: ``approve``, ``in-flight``, ``history``, ``memory``, ``pages`` (default: all). Each
line prints a ratio and, where there is one, the target beside it:

- approve: PutApprovalResult with one execution in flight, ratio to moto's GetPipeline.
- in-flight: StartPipelineExecution, PutApprovalResult and GetPipelineState with N executions
  in flight (PARALLEL: N waiting at an approval; QUEUED: one at the approval, N-1 queued behind;
  SUPERSEDED: N started, all but the latest two superseded), as a ratio to the same with 1.
- history: first and later pages of ListPipelineExecutions and ListActionExecutions, and
  PutActionRevision with a known revision id, with N finished executions, as a ratio to 1.
- memory: bytes held per finished execution of a three-stage pipeline (tracemalloc).
- pages: a page of 100 from the two list operations, ratio to GetPipeline, and the emulator's
  share of the call (its handler) beside botocore's parsing of the reply.

Every ratio divides medians of calls timed in alternation with moto's own GetPipeline (see
``harness.py``), so machine noise hits both; timings are never asserted anywhere.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import boto3
from botocore.parsers import create_parser
from harness import (
    APPROVAL_PIPELINE,
    REGION,
    STEERED_PIPELINE,
    Case,
    Client,
    approve,
    create_pipeline,
    interleaved,
    moto_get_pipeline,
    our_routes,
    report,
)
from moto.codepipeline import urls as moto_urls

from moto_approvals import mock_approvals
from moto_approvals.responses import ApprovalsCodePipelineResponse

P = "bench"


def section_approve(repeat: int) -> None:
    print("PutApprovalResult, one execution in flight (ratio to moto's GetPipeline)")
    with mock_approvals() as approvals:
        cp = create_pipeline(P, APPROVAL_PIPELINE)
        case = Case(
            "PutApprovalResult",
            call=lambda token: approve(cp, P, token),
            prepare=lambda: approvals.pending_approvals(P)[0].token,
            after=lambda _: cp.start_pipeline_execution(name=P),
        )
        ratios = interleaved(moto_get_pipeline(cp, P), [case], repeat)
    report([("PutApprovalResult / moto GetPipeline", ratios["PutApprovalResult"], 1.0)])
    print(f"  (moto GetPipeline: {ratios['baseline µs']:.0f} µs)")


def _fill(cp: Client, mode: str, n: int) -> None:
    """n executions in flight (the first one CreatePipeline started)."""
    if mode == "QUEUED":
        # Queued behind a disabled transition, then released: one enters, the rest queue.
        cp.disable_stage_transition(
            pipelineName=P, stageName="Approve", transitionType="Inbound", reason="fill"
        )
    for _ in range(n - 1):
        cp.start_pipeline_execution(name=P)
    if mode == "QUEUED":
        cp.enable_stage_transition(pipelineName=P, stageName="Approve", transitionType="Inbound")


def _in_flight_ratios(mode: str, n: int, repeat: int) -> dict[str, float]:
    with mock_approvals() as approvals:
        cp = create_pipeline(P, APPROVAL_PIPELINE, None if mode == "SUPERSEDED" else mode)
        _fill(cp, mode, n)

        def oldest_token() -> str:
            return approvals.pending_approvals(P)[0].token

        cases = [
            # Each call is followed (untimed) by its inverse, so n stays where it was.
            Case(
                "StartPipelineExecution",
                call=lambda _: cp.start_pipeline_execution(name=P),
                after=lambda _: approve(cp, P, oldest_token()),
            ),
            Case(
                "PutApprovalResult",
                call=lambda token: approve(cp, P, token),
                prepare=oldest_token,
                after=lambda _: cp.start_pipeline_execution(name=P),
            ),
            Case("GetPipelineState", call=lambda _: cp.get_pipeline_state(name=P)),
        ]
        return interleaved(moto_get_pipeline(cp, P), cases, repeat)


def section_in_flight(repeat: int, n: int) -> None:
    print(f"In flight: cost with {n} executions in flight / cost with 1")
    for mode in ("PARALLEL", "QUEUED", "SUPERSEDED"):
        one = _in_flight_ratios(mode, 1, repeat)
        many = _in_flight_ratios(mode, n, repeat)
        report(
            [
                (
                    f"{mode:10s} {name} ({many[name]:.2f}x / {one[name]:.2f}x GetPipeline)",
                    many[name] / one[name],
                    1.2,
                )
                for name in ("StartPipelineExecution", "PutApprovalResult", "GetPipelineState")
            ]
        )


def _history_ratios(n: int, repeat: int) -> dict[str, float]:
    with mock_approvals():
        cp = create_pipeline(P, STEERED_PIPELINE)  # its first execution succeeds at once
        revision = {"revisionId": "r-first", "revisionChangeId": "c", "created": time.time()}
        cp.put_action_revision(
            pipelineName=P, stageName="Source", actionName="Fetch", actionRevision=revision
        )
        first = cp.list_pipeline_executions(pipelineName=P)["pipelineExecutionSummaries"][0]
        for _ in range(n - 2):
            cp.start_pipeline_execution(name=P)
        executions_token = cp.list_pipeline_executions(pipelineName=P, maxResults=1)["nextToken"]
        actions_token = cp.list_action_executions(pipelineName=P, maxResults=1)["nextToken"]
        cases = [
            Case(
                "ListPipelineExecutions first page",
                call=lambda _: cp.list_pipeline_executions(pipelineName=P, maxResults=1),
            ),
            Case(
                "ListPipelineExecutions next page",
                call=lambda _: cp.list_pipeline_executions(
                    pipelineName=P, maxResults=1, nextToken=executions_token
                ),
            ),
            Case(
                "ListActionExecutions first page",
                call=lambda _: cp.list_action_executions(pipelineName=P, maxResults=1),
            ),
            Case(
                "ListActionExecutions next page",
                call=lambda _: cp.list_action_executions(
                    pipelineName=P, maxResults=1, nextToken=actions_token
                ),
            ),
            Case(
                "ListActionExecutions of the oldest execution",
                call=lambda _: cp.list_action_executions(
                    pipelineName=P,
                    maxResults=1,
                    filter={"pipelineExecutionId": first["pipelineExecutionId"]},
                ),
            ),
            Case(
                "PutActionRevision, a known revision",
                call=lambda _: cp.put_action_revision(
                    pipelineName=P,
                    stageName="Source",
                    actionName="Fetch",
                    actionRevision=revision,
                ),
            ),
            Case("GetPipelineState", call=lambda _: cp.get_pipeline_state(name=P)),
        ]
        return interleaved(moto_get_pipeline(cp, P), cases, repeat)


def section_history(repeat: int, n: int) -> None:
    print(f"History: cost with {n} finished executions / cost with 2")
    one = _history_ratios(2, repeat)
    many = _history_ratios(n, repeat)
    names = [name for name in one if name != "baseline µs"]
    report(
        [
            (f"{name} ({many[name]:.2f}x / {one[name]:.2f}x)", many[name] / one[name], 1.2)
            for name in names
        ]
    )


def _traced_growth(call: Callable[[], object], count: int) -> int:
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for _ in range(count):
        call()
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return after - before


def section_memory(count: int = 2000) -> None:
    """Memory retained per finished execution, less what as many GetPipeline calls retain
    (caches that grow with requests, not with history)."""
    print("Memory per finished execution (three stages, one action each)")
    with mock_approvals():
        cp = create_pipeline(P, STEERED_PIPELINE)
        for _ in range(100):  # warm every cache first
            cp.start_pipeline_execution(name=P)
            cp.get_pipeline(name=P)
        requests = _traced_growth(lambda: cp.get_pipeline(name=P), count)
        executions = _traced_growth(lambda: cp.start_pipeline_execution(name=P), count)
    per = (executions - requests) / count
    verdict = "ok" if per <= 2048 else "OVER"
    print(f"  {'bytes per finished execution':68s} {per:8.0f} B  target <= 2048 B  {verdict}")


def section_pages(repeat: int) -> None:
    """Each call's handler time and botocore's parsing of its reply are timed in the same
    interleaved loop as the ratio."""
    print("A page of 100 (ratio to moto's GetPipeline) and the emulator's share of it")
    handler: dict[str, list[float]] = {}
    parse: dict[str, list[float]] = {}
    bodies: dict[str, bytes] = {}

    def timed_dispatch(*args: Any) -> Any:
        start = time.perf_counter()
        status, headers, body = ApprovalsCodePipelineResponse.dispatch(*args)
        spent = time.perf_counter() - start
        target = str(args[0].headers.get("X-Amz-Target", "")).split(".")[-1]
        handler.setdefault(target, []).append(spent)
        bodies[target] = body.encode() if isinstance(body, str) else body
        return status, headers, body

    timed_dispatch.wraps_emulator = True  # type: ignore[attr-defined]
    parser = create_parser("json")

    def parse_reply(cp: Client, name: str) -> None:
        shape = cp.meta.service_model.operation_model(name).output_shape
        start = time.perf_counter()
        parser.parse({"body": bodies[name], "headers": {}, "status_code": 200}, shape)
        parse.setdefault(name, []).append(time.perf_counter() - start)

    paths: dict[str, Any] = moto_urls.url_paths
    routes = our_routes()
    with mock_approvals():
        cp = create_pipeline(P, STEERED_PIPELINE)
        for _ in range(150):
            cp.start_pipeline_execution(name=P)
        for path in routes:
            paths[path] = timed_dispatch
        try:
            cases = [
                Case(
                    "ListPipelineExecutions",
                    call=lambda _: cp.list_pipeline_executions(pipelineName=P, maxResults=100),
                    after=lambda _: parse_reply(cp, "ListPipelineExecutions"),
                ),
                Case(
                    "ListActionExecutions",
                    call=lambda _: cp.list_action_executions(pipelineName=P, maxResults=100),
                    after=lambda _: parse_reply(cp, "ListActionExecutions"),
                ),
            ]
            ratios = interleaved(moto_get_pipeline(cp, P), cases, repeat)
        finally:
            for path in routes:
                paths[path] = ApprovalsCodePipelineResponse.dispatch
    base = ratios["baseline µs"]
    for case in cases:
        name = case.name
        total = ratios[name] * base
        ours = statistics.median(handler[name]) * 1e6
        parsing = statistics.median(parse[name]) * 1e6
        print(
            f"  {name + ' (100 items)':40s} {ratios[name]:6.2f}x GetPipeline; of {total:6.0f} µs: "
            f"emulator's handler {ours:6.0f} µs ({ours / total:4.0%}), "
            f"botocore parsing {parsing:6.0f} µs ({parsing / total:4.0%})",
            flush=True,
        )


SECTIONS = ("approve", "in-flight", "history", "memory", "pages")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sections", nargs="*", help=", ".join(SECTIONS))
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument("--in-flight", type=int, default=1000)
    parser.add_argument("--history", type=int, default=10000)
    args = parser.parse_args()
    unknown = set(args.sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s): {', '.join(sorted(unknown))}")
    boto3.setup_default_session(region_name=REGION)
    for section in args.sections or SECTIONS:
        if section == "approve":
            section_approve(args.repeat * 3)
        elif section == "in-flight":
            section_in_flight(args.repeat, args.in_flight)
        elif section == "history":
            section_history(args.repeat, args.history)
        elif section == "memory":
            section_memory()
        else:
            section_pages(args.repeat)


if __name__ == "__main__":
    main()
