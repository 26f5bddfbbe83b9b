"""Cost of the emulator's operations relative to moto's own, measured in the same run.

Run: ``python benchmarks/bench.py [--repeat N]``. Prints the median time per call of each
operation and its ratio to moto's ``GetPipeline`` (same routing, same pipeline), so the figures
compare across machines. Timings are never asserted anywhere.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from pipelines import APPROVE, TRUST_POLICY, declaration

from moto_approvals import mock_approvals


def _median_seconds(call: Callable[[], Any], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def run(repeat: int, history: int) -> list[tuple[str, float]]:
    with mock_approvals() as approvals:
        iam = boto3.client("iam", region_name="us-east-1")
        role = iam.create_role(RoleName="r", AssumeRolePolicyDocument=json.dumps(TRUST_POLICY))
        cp = boto3.client("codepipeline", region_name="us-east-1")
        cp.create_pipeline(pipeline=declaration(role["Role"]["Arn"]))

        def answer_latest() -> None:
            (pending,) = approvals.pending_approvals("release")
            cp.put_approval_result(
                pipelineName="release",
                stageName="Approve",
                actionName="ManualApproval",
                result=APPROVE,
                token=pending.token,
            )

        def start_and_approve() -> None:
            cp.start_pipeline_execution(name="release")
            answer_latest()

        answer_latest()
        timings = {
            "moto GetPipeline (baseline)": _median_seconds(
                lambda: cp.get_pipeline(name="release"), repeat
            ),
            "moto ListPipelines": _median_seconds(cp.list_pipelines, repeat),
            "GetPipelineState": _median_seconds(
                lambda: cp.get_pipeline_state(name="release"), repeat
            ),
            "StartPipelineExecution + PutApprovalResult": _median_seconds(
                start_and_approve, repeat
            ),
        }
        for _ in range(history):
            start_and_approve()
        timings[f"GetPipelineState, {history} executions in history"] = _median_seconds(
            lambda: cp.get_pipeline_state(name="release"), repeat
        )
        timings[f"ListPipelineExecutions (100 of {history})"] = _median_seconds(
            lambda: cp.list_pipeline_executions(pipelineName="release"), repeat
        )
        timings[f"ListActionExecutions (100 of {3 * history})"] = _median_seconds(
            lambda: cp.list_action_executions(pipelineName="release"), repeat
        )
    baseline = timings["moto GetPipeline (baseline)"]
    return [(name, seconds / baseline) for name, seconds in timings.items()] + [
        ("baseline seconds per call", baseline)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--history", type=int, default=1000)
    args = parser.parse_args()
    for name, value in run(args.repeat, args.history):
        print(f"{name:55s} {value:8.3f}")


if __name__ == "__main__":
    main()
