"""Cost of the emulator's operations relative to moto's own GetPipeline, with their targets.

Run: ``python benchmarks/bench.py [section ...] [--repeat N] [--in-flight N] [--history N]
[--mode MODE]``; sections: ``approve``, ``in-flight``, ``history``, ``memory``, ``pages``, ``queue``
(default: all); ``--mode`` picks the in-flight modes (default: all three). Each line prints a
ratio and, where there is one, the target beside it:

- approve: PutApprovalResult with one execution in flight, ratio to moto's GetPipeline.
- in-flight: StartPipelineExecution, PutApprovalResult and GetPipelineState on a pipeline with
  N executions in flight (PARALLEL: N waiting at an approval; QUEUED: one at the approval, N-1
  queued behind; SUPERSEDED: N started, all but the latest two superseded), as a ratio to the
  same call on a pipeline with 1, the two pipelines side by side in one process. QUEUED
  GetPipelineState is printed without a target: its reply lists every queued execution, as
  AWS's does, so the client's parsing grows with the queue; the `queue` section holds the
  target to the emulator's handler.
- history: first and later pages of ListPipelineExecutions and ListActionExecutions, and
  PutActionRevision with a known revision id, on a pipeline with N finished executions, as a
  ratio to the same on a pipeline with 2, side by side.
- memory: bytes held per finished execution of a three-stage pipeline (tracemalloc).
- pages: a page of 100 from the two list operations, ratio to GetPipeline, and the emulator's
  share of the call (its handler) beside botocore's parsing of the reply.
- queue: GetPipelineState with N executions in flight in QUEUED mode (N-1 listed in
  ``inboundExecutions``) over the same with 1: the call, the emulator's handler (target
  <= 1.2x) and botocore's parsing of the reply, each separately.

Every ratio divides medians of calls timed in alternation with moto's own GetPipeline (see
``harness.py``), so machine noise hits both; timings are never asserted anywhere.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import boto3
from botocore.parsers import create_parser
from harness import (
    APPROVAL_PIPELINE,
    README_ACTION,
    README_PIPELINE,
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
from moto_approvals.engine import flow
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


def _fill(cp: Client, pipeline: str, mode: str, n: int) -> None:
    """n executions in flight (the first one CreatePipeline started)."""
    if mode == "QUEUED":
        # Queued behind a disabled transition, then released: one enters, the rest queue.
        cp.disable_stage_transition(
            pipelineName=pipeline, stageName="Approve", transitionType="Inbound", reason="fill"
        )
    for _ in range(n - 1):
        cp.start_pipeline_execution(name=pipeline)
    if mode == "QUEUED":
        cp.enable_stage_transition(
            pipelineName=pipeline, stageName="Approve", transitionType="Inbound"
        )


@contextmanager
def _lifted_quota() -> Iterator[None]:
    """AWS allows 50 executions in flight per QUEUED or PARALLEL pipeline; the scaling cases
    measure 1,000, so the emulator's quota is lifted while they run."""
    saved = flow.MAX_CONCURRENT_EXECUTIONS
    flow.MAX_CONCURRENT_EXECUTIONS = 10**9
    try:
        yield
    finally:
        flow.MAX_CONCURRENT_EXECUTIONS = saved


MODES = ("PARALLEL", "QUEUED", "SUPERSEDED")
OPERATIONS = ("StartPipelineExecution", "PutApprovalResult", "GetPipelineState")


def _in_flight_cases(cp: Client, approvals: Any, pipeline: str) -> list[Case]:
    def oldest_token() -> str:
        # Both pipelines' approvals are listed before every call of either: listing 1,000
        # leaves the caches and the allocator cold, and should not do so only before the
        # calls on the pipeline with 1,000 (that alone made them look 1.35x to 1.5x slower).
        listed = {name: approvals.pending_approvals(name) for name in ("one", "many")}
        return str(listed[pipeline][0].token)

    return [
        # Each call is followed (untimed) by its inverse, so n stays where it was.
        Case(
            f"{pipeline} StartPipelineExecution",
            call=lambda _: cp.start_pipeline_execution(name=pipeline),
            prepare=oldest_token,
            after=lambda _: approve(cp, pipeline, oldest_token()),
        ),
        Case(
            f"{pipeline} PutApprovalResult",
            call=lambda token: approve(cp, pipeline, token),
            prepare=oldest_token,
            after=lambda _: cp.start_pipeline_execution(name=pipeline),
        ),
        Case(
            f"{pipeline} GetPipelineState",
            call=lambda _: cp.get_pipeline_state(name=pipeline),
            prepare=oldest_token,
        ),
    ]


def section_in_flight(repeat: int, n: int, modes: tuple[str, ...] = MODES) -> None:
    """Two pipelines in one process, one with 1 execution in flight and one with n; their calls
    alternate (with moto's GetPipeline), so both see the same heap and the same noise."""
    print(f"In flight: cost with {n} executions in flight / cost with 1 (side by side)")
    for mode in modes:
        with mock_approvals() as approvals, _lifted_quota():
            v2 = None if mode == "SUPERSEDED" else mode
            cp = create_pipeline("one", APPROVAL_PIPELINE, v2)
            create_pipeline("many", APPROVAL_PIPELINE, v2)
            _fill(cp, "many", mode, n)
            cases = _in_flight_cases(cp, approvals, "one")
            cases += _in_flight_cases(cp, approvals, "many")
            ratios = interleaved(moto_get_pipeline(cp, "one"), cases, repeat)
        report(
            [
                (
                    f"{mode:10s} {name} ({ratios['many ' + name]:.2f}x / "
                    f"{ratios['one ' + name]:.2f}x GetPipeline)",
                    ratios["many " + name] / ratios["one " + name],
                    None if _lists_the_queue(mode, name) else 1.2,
                )
                for name in OPERATIONS
            ]
        )
        if mode == "QUEUED":
            print(
                "  (QUEUED GetPipelineState lists every queued execution: the client parses a"
                " longer reply; the emulator's share, with its target, is the `queue` section)"
            )


def _lists_the_queue(mode: str, operation: str) -> bool:
    """The call's reply grows with the queue, as AWS's does (one entry per queued execution in
    ``inboundExecutions``): its target applies to the emulator's handler (``queue``)."""
    return mode == "QUEUED" and operation == "GetPipelineState"


def _history_cases(cp: Client, pipeline: str, n: int) -> list[Case]:
    """``pipeline`` with n finished executions, the first started by PutActionRevision."""
    revision = {"revisionId": "r-first", "revisionChangeId": "c", "created": time.time()}
    cp.put_action_revision(
        pipelineName=pipeline, stageName="Source", actionName="Fetch", actionRevision=revision
    )
    first = cp.list_pipeline_executions(pipelineName=pipeline)["pipelineExecutionSummaries"][0]
    for _ in range(n - 2):
        cp.start_pipeline_execution(name=pipeline)
    executions = cp.list_pipeline_executions(pipelineName=pipeline, maxResults=1)["nextToken"]
    actions = cp.list_action_executions(pipelineName=pipeline, maxResults=1)["nextToken"]
    calls: dict[str, Callable[[Any], object]] = {
        "ListPipelineExecutions first page": lambda _: cp.list_pipeline_executions(
            pipelineName=pipeline, maxResults=1
        ),
        "ListPipelineExecutions next page": lambda _: cp.list_pipeline_executions(
            pipelineName=pipeline, maxResults=1, nextToken=executions
        ),
        "ListActionExecutions first page": lambda _: cp.list_action_executions(
            pipelineName=pipeline, maxResults=1
        ),
        "ListActionExecutions next page": lambda _: cp.list_action_executions(
            pipelineName=pipeline, maxResults=1, nextToken=actions
        ),
        "ListActionExecutions of the oldest execution": lambda _: cp.list_action_executions(
            pipelineName=pipeline,
            maxResults=1,
            filter={"pipelineExecutionId": first["pipelineExecutionId"]},
        ),
        "PutActionRevision, a known revision": lambda _: cp.put_action_revision(
            pipelineName=pipeline,
            stageName="Source",
            actionName="Fetch",
            actionRevision=revision,
        ),
        "GetPipelineState": lambda _: cp.get_pipeline_state(name=pipeline),
    }
    return [Case(f"{pipeline} {name}", call) for name, call in calls.items()]


def section_history(repeat: int, n: int) -> None:
    """Two pipelines in one process, with 2 and with n finished executions, calls alternating."""
    print(f"History: cost with {n} finished executions / cost with 2 (side by side)")
    with mock_approvals():
        cp = create_pipeline("short", STEERED_PIPELINE)  # each execution succeeds at once
        create_pipeline("long", STEERED_PIPELINE)
        cases = _history_cases(cp, "short", 2) + _history_cases(cp, "long", n)
        ratios = interleaved(moto_get_pipeline(cp, "short"), cases, repeat)
    names = [case.name.split(" ", 1)[1] for case in cases if case.name.startswith("short ")]
    report(
        [
            (
                f"{name} ({ratios['long ' + name]:.2f}x / {ratios['short ' + name]:.2f}x)",
                ratios["long " + name] / ratios["short " + name],
                1.2,
            )
            for name in names
        ]
    )


def _traced_growth(call: Callable[[], object], count: int) -> int:
    """What ``count`` calls leave allocated; tracemalloc must already be tracing, so that what
    a bounded cache evicts (allocated during the warm-up) is subtracted from what it adds."""
    gc.collect()
    before = tracemalloc.get_traced_memory()[0]
    for _ in range(count):
        call()
    gc.collect()
    return tracemalloc.get_traced_memory()[0] - before


def section_memory(count: int = 2000) -> None:
    """Memory retained per finished execution, less what as many GetPipeline calls retain
    (caches that grow with requests, not with history). Two pipelines: three stages whose
    actions succeed at once (an S3 source, two builds), and tests/pipelines.py's Source,
    Approve, Deploy, each execution approved."""
    print("Memory per finished execution")
    tracemalloc.start()
    with mock_approvals() as approvals:
        cp = create_pipeline(P, STEERED_PIPELINE)
        create_pipeline("approved", README_PIPELINE)

        def start_and_approve() -> None:
            cp.start_pipeline_execution(name="approved")
            (pending,) = approvals.pending_approvals("approved")
            approve(cp, "approved", pending.token, README_ACTION)

        def two_requests() -> None:
            cp.get_pipeline(name=P)
            cp.get_pipeline(name=P)

        # Warm first, with as many as are measured: bounded caches fill up, and the history's
        # dicts and lists grow from n to 2n entries, one resize per doubling as in steady state.
        for _ in range(count):
            cp.start_pipeline_execution(name=P)
            start_and_approve()
            two_requests()
        one = _traced_growth(lambda: cp.get_pipeline(name=P), count)
        two = _traced_growth(two_requests, count)
        steered = _traced_growth(lambda: cp.start_pipeline_execution(name=P), count)
        approved = _traced_growth(start_and_approve, count)
    tracemalloc.stop()
    for name, grown, requests in (
        ("three stages that succeed at once (S3 source, two builds)", steered, one),
        ("Source, Approve, Deploy, approved (two requests each)", approved, two),
    ):
        per = (grown - requests) / count
        verdict = "ok" if per <= 2048 else "OVER"
        print(f"  {name:68s} {per:8.0f} B  target <= 2048 B  {verdict}")


class Shares:
    """Times the emulator's handler and botocore's parsing of its reply, per label: inside
    :meth:`routed`, CodePipeline requests go through a wrapper of the emulator's handler;
    ``label`` names the call being made."""

    def __init__(self) -> None:
        self.label = ""
        self.handler: dict[str, list[float]] = {}
        self.parse: dict[str, list[float]] = {}
        self._bodies: dict[str, bytes] = {}
        self._parser = create_parser("json")

    def _dispatch(self, *args: Any) -> Any:
        start = time.perf_counter()
        status, headers, body = ApprovalsCodePipelineResponse.dispatch(*args)
        self.handler.setdefault(self.label, []).append(time.perf_counter() - start)
        self._bodies[self.label] = body.encode() if isinstance(body, str) else body
        return status, headers, body

    def parse_reply(self, cp: Client, operation: str) -> None:
        """Time botocore parsing the last reply of the current label (untimed by the case)."""
        shape = cp.meta.service_model.operation_model(operation).output_shape
        body = self._bodies[self.label]
        start = time.perf_counter()
        self._parser.parse({"body": body, "headers": {}, "status_code": 200}, shape)
        self.parse.setdefault(self.label, []).append(time.perf_counter() - start)

    def median_us(self, label: str) -> tuple[float, float]:
        """The medians of the handler and of botocore's parsing, in µs."""
        return (
            statistics.median(self.handler[label]) * 1e6,
            statistics.median(self.parse[label]) * 1e6,
        )

    @contextmanager
    def routed(self) -> Iterator[None]:
        dispatch: Any = self._dispatch
        dispatch.__func__.wraps_emulator = True
        paths: dict[str, Any] = moto_urls.url_paths
        routes = our_routes()
        for path in routes:
            paths[path] = dispatch
        try:
            yield
        finally:
            for path in routes:
                paths[path] = ApprovalsCodePipelineResponse.dispatch


def _measured(
    shares: Shares, label: str, cp: Client, operation: str, call: Callable[[], object]
) -> Case:
    def run(_: Any) -> object:
        shares.label = label
        return call()

    return Case(label, call=run, after=lambda _: shares.parse_reply(cp, operation))


def section_pages(repeat: int) -> None:
    """Each call's handler time and botocore's parsing of its reply are timed in the same
    interleaved loop as the ratio."""
    print("A page of 100 (ratio to moto's GetPipeline) and the emulator's share of it")
    shares = Shares()
    with mock_approvals():
        cp = create_pipeline(P, STEERED_PIPELINE)
        for _ in range(150):
            cp.start_pipeline_execution(name=P)
        cases = [
            _measured(
                shares,
                "ListPipelineExecutions",
                cp,
                "ListPipelineExecutions",
                lambda: cp.list_pipeline_executions(pipelineName=P, maxResults=100),
            ),
            _measured(
                shares,
                "ListActionExecutions",
                cp,
                "ListActionExecutions",
                lambda: cp.list_action_executions(pipelineName=P, maxResults=100),
            ),
        ]
        with shares.routed():
            ratios = interleaved(moto_get_pipeline(cp, P), cases, repeat)
    base = ratios["baseline µs"]
    for case in cases:
        name = case.name
        total = ratios[name] * base
        ours, parsing = shares.median_us(name)
        print(
            f"  {name + ' (100 items)':40s} {ratios[name]:6.2f}x GetPipeline; of {total:6.0f} µs: "
            f"emulator's handler {ours:6.0f} µs ({ours / total:4.0%}), "
            f"botocore parsing {parsing:6.0f} µs ({parsing / total:4.0%})",
            flush=True,
        )


def section_queue(repeat: int, n: int) -> None:
    """GetPipelineState on a QUEUED pipeline with n executions in flight (n-1 queued, each
    listed in ``inboundExecutions``) and on one with 1: the whole call, the emulator's handler
    and botocore's parsing of the reply, each as n's cost over 1's."""
    print(f"QUEUED GetPipelineState: {n} in flight / 1, the call and its parts")
    shares = Shares()
    with mock_approvals(), _lifted_quota():
        cp = create_pipeline("one", APPROVAL_PIPELINE, "QUEUED")
        create_pipeline("many", APPROVAL_PIPELINE, "QUEUED")
        _fill(cp, "many", "QUEUED", n)
        cases = [
            _measured(
                shares,
                name,
                cp,
                "GetPipelineState",
                lambda name=name: cp.get_pipeline_state(name=name),
            )
            for name in ("one", "many")
        ]
        with shares.routed():
            ratios = interleaved(moto_get_pipeline(cp, "one"), cases, repeat)
    (one_ours, one_parse), (many_ours, many_parse) = (
        shares.median_us("one"),
        shares.median_us("many"),
    )
    report(
        [
            ("the whole call (its reply lists the queue)", ratios["many"] / ratios["one"], None),
            (
                f"the emulator's handler ({one_ours:.0f} -> {many_ours:.0f} µs)",
                many_ours / one_ours,
                1.2,
            ),
            (
                f"botocore parsing the reply ({one_parse:.0f} -> {many_parse:.0f} µs)",
                many_parse / one_parse,
                None,
            ),
        ]
    )


SECTIONS = ("approve", "in-flight", "history", "memory", "pages", "queue")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sections", nargs="*", help=", ".join(SECTIONS))
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument("--in-flight", type=int, default=1000)
    parser.add_argument("--history", type=int, default=10000)
    parser.add_argument("--mode", choices=MODES, action="append", help="in-flight modes to run")
    args = parser.parse_args()
    unknown = set(args.sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s): {', '.join(sorted(unknown))}")
    boto3.setup_default_session(region_name=REGION)
    for section in args.sections or SECTIONS:
        if section == "approve":
            section_approve(args.repeat * 3)
        elif section == "in-flight":
            section_in_flight(args.repeat, args.in_flight, tuple(args.mode or MODES))
        elif section == "history":
            section_history(args.repeat, args.history)
        elif section == "memory":
            section_memory()
        elif section == "queue":
            section_queue(args.repeat, args.in_flight)
        else:
            section_pages(args.repeat)


if __name__ == "__main__":
    main()
