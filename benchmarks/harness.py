"""Shared by the benchmarks: pipelines, moto's own GetPipeline as the baseline, interleaved timing.

The baseline is moto's own CodePipeline handler answering GetPipeline: for each baseline call the
CodePipeline routes point back at ``moto.codepipeline.responses.CodePipelineResponse`` (the
emulator writes every pipeline through to moto's backend, so moto has it to answer), and are
restored before the measured call. Baseline and measured calls alternate, so the noise of a shared
machine hits both; the figures are medians and every result is a ratio. Nothing here asserts a
timing.
"""

from __future__ import annotations

import gc
import json
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from moto.codepipeline import urls as moto_urls
from moto.codepipeline.responses import CodePipelineResponse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from pipelines import (
    APPROVE,
    BUILD,
    MANUAL,
    TRUST_POLICY,
    approval_stage,
    deploy_stage,
    source_stage,
)

from moto_approvals.responses import ApprovalsCodePipelineResponse

REGION = "us-east-1"
Client = Any


def stage(name: str, action_type: dict[str, str] = BUILD) -> dict[str, Any]:
    action: dict[str, Any] = {"name": name + "Action", "actionTypeId": action_type}
    if action_type is BUILD:
        action.update(configuration={"ProjectName": "app"}, inputArtifacts=[{"name": "App"}])
    return {"name": name, "actions": [action]}


def create_pipeline(name: str, stages: list[dict[str, Any]], mode: str | None = None) -> Client:
    """A pipeline in the current mock (``mode``: a V2 execution mode, None for V1)."""
    iam = boto3.client("iam", region_name=REGION)
    try:
        role = iam.get_role(RoleName="bench")
    except iam.exceptions.NoSuchEntityException:
        role = iam.create_role(RoleName="bench", AssumeRolePolicyDocument=json.dumps(TRUST_POLICY))
    extra: dict[str, Any] = {"pipelineType": "V2", "executionMode": mode} if mode else {}
    cp = boto3.client("codepipeline", region_name=REGION)
    cp.create_pipeline(
        pipeline={
            "name": name,
            "roleArn": role["Role"]["Arn"],
            "artifactStore": {"type": "S3", "location": "artifacts"},
            "stages": stages,
            **extra,
        }
    )
    return cp


#: A source (its bucket absent: a stand-in revision), an approval, a build.
APPROVAL_PIPELINE = [source_stage(), stage("Approve", MANUAL), stage("Build")]
#: Three stages whose actions succeed at once: each execution finishes as it starts.
STEERED_PIPELINE = [source_stage(), stage("Build"), stage("Deploy")]


#: The tests' (and the README's) pipeline: Source, Approve (its action ManualApproval), Deploy.
README_PIPELINE = [source_stage(), approval_stage(), deploy_stage()]
README_ACTION = "ManualApproval"


def approve(cp: Client, pipeline: str, token: str, action: str = "ApproveAction") -> None:
    cp.put_approval_result(
        pipelineName=pipeline,
        stageName="Approve",
        actionName=action,
        result=APPROVE,
        token=token,
    )


def our_routes() -> list[str]:
    """The CodePipeline URL patterns routed to the emulator (or to a wrapper of it)."""
    paths: dict[str, Any] = moto_urls.url_paths
    return [
        p
        for p, h in paths.items()
        if getattr(h, "__self__", None) is ApprovalsCodePipelineResponse
        or getattr(h, "wraps_emulator", False)
    ]


@contextmanager
def moto_routing() -> Iterator[None]:
    """CodePipeline requests go to moto's own handler inside the block."""
    paths: dict[str, Any] = moto_urls.url_paths
    saved = {path: paths[path] for path in our_routes()}
    for path in saved:
        paths[path] = CodePipelineResponse.dispatch
    try:
        yield
    finally:
        paths.update(saved)


def moto_get_pipeline(cp: Client, pipeline: str) -> Callable[[], float]:
    """The baseline: seconds one GetPipeline takes, answered by moto's own handler."""

    def timed() -> float:
        with moto_routing():
            start = time.perf_counter()
            cp.get_pipeline(name=pipeline)
            return time.perf_counter() - start

    return timed


@dataclass
class Case:
    """A measured call; ``prepare`` (untimed) returns its argument, ``after`` (untimed) tidies."""

    name: str
    call: Callable[[Any], object]
    prepare: Callable[[], Any] = lambda: None
    after: Callable[[Any], None] = lambda _: None
    samples: list[float] = field(default_factory=list)

    def run_once(self) -> None:
        argument = self.prepare()
        start = time.perf_counter()
        self.call(argument)
        self.samples.append(time.perf_counter() - start)
        self.after(argument)


def interleaved(baseline: Callable[[], float], cases: list[Case], repeat: int) -> dict[str, float]:
    """Each case's median as a ratio to the baseline's, the two timed in alternation.

    What the setup built is frozen out of the garbage collector first: a full collection costs
    in proportion to the whole heap (10,000 executions of history, say) and lands on whichever
    call happens to trigger it, the baseline's as well as ours, which only adds noise.
    """
    base: list[float] = []
    gc.collect()
    gc.freeze()
    try:
        for _ in range(repeat):
            for case in cases:
                base.append(baseline())
                case.run_once()
    finally:
        gc.unfreeze()
    median_base = statistics.median(base)
    result = {case.name: statistics.median(case.samples) / median_base for case in cases}
    result["baseline µs"] = median_base * 1e6
    return result


def verdict(ratio: float, target: float) -> str:
    return "ok" if ratio <= target else "OVER"


def report(rows: list[tuple[str, float, float | None]]) -> None:
    """Print (name, ratio, target) rows; a target of None prints the ratio alone."""
    for name, ratio, target in rows:
        aim = f"target <= {target:.2f}x  {verdict(ratio, target)}" if target is not None else ""
        print(f"  {name:68s} {ratio:8.2f}x  {aim}", flush=True)
