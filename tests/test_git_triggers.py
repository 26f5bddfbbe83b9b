"""V2 triggers: Git push and pull request filters (pipelines-filter), sent through the handle."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from pipelines import Client, CreatePipeline, Declaration, approval_stage, error_of

from moto_approvals import Approvals, PipelineNotFoundError
from moto_approvals.git_triggers import TRIGGER_MISPLACED

CONNECTION = "arn:aws:codestar-connections:us-east-1:123456789012:connection/abc-123"
CONNECTION_SOURCE = {
    "category": "Source",
    "owner": "AWS",
    "provider": "CodeStarSourceConnection",
    "version": "1",
}


def connection_stage(*names: str, **configuration: str) -> Declaration:
    return {
        "name": "Source",
        "actions": [
            {
                "name": name,
                "actionTypeId": CONNECTION_SOURCE,
                "configuration": {
                    "ConnectionArn": CONNECTION,
                    "FullRepositoryId": "octo/app",
                    "BranchName": "main",
                    **configuration,
                },
                "outputArtifacts": [{"name": f"Code{index}"}],
            }
            for index, name in enumerate(names or ("Checkout",))
        ],
    }


def with_trigger(create_pipeline: CreatePipeline, **git: Any) -> Declaration:
    trigger = {
        "providerType": "CodeStarSourceConnection",
        "gitConfiguration": {"sourceActionName": "Checkout", **git},
    }
    return create_pipeline(
        stages=[connection_stage(), approval_stage()], pipelineType="V2", triggers=[trigger]
    )


def executions(codepipeline: Client) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = codepipeline.list_pipeline_executions(pipelineName="release")[
        "pipelineExecutionSummaries"
    ]
    return found


def test_a_push_to_an_included_branch_starts_an_execution_on_its_commit(
    codepipeline: Client, create_pipeline: CreatePipeline, approvals: Approvals
) -> None:
    with_trigger(create_pipeline, push=[{"branches": {"includes": ["release/*"]}}])

    started = approvals.push("release", branch="release/1", commit_id="a" * 40)

    latest = executions(codepipeline)[0]
    assert latest["pipelineExecutionId"] == started
    assert latest["trigger"] == {"triggerType": "WebhookV2", "triggerDetail": CONNECTION}
    assert latest["sourceRevisions"] == [{"actionName": "Checkout", "revisionId": "a" * 40}]


def test_the_execution_fetches_the_pushed_branch(
    codepipeline: Client, create_pipeline: CreatePipeline, approvals: Approvals
) -> None:
    with_trigger(create_pipeline, push=[{"branches": {"includes": ["feature/**"]}}])

    started = approvals.push("release", branch="feature/x/y", commit_message="Add y")

    runs = codepipeline.list_action_executions(
        pipelineName="release", filter={"pipelineExecutionId": started}
    )["actionExecutionDetails"]
    variables = runs[0]["output"]["outputVariables"]
    assert variables["BranchName"] == "feature/x/y"
    assert variables["CommitMessage"] == "Add y"


def test_a_single_star_does_not_cross_a_slash(
    codepipeline: Client, create_pipeline: CreatePipeline, approvals: Approvals
) -> None:
    with_trigger(create_pipeline, push=[{"branches": {"includes": ["release/*"]}}])

    assert approvals.push("release", branch="release/1/hotfix") is None
    assert len(executions(codepipeline)) == 1  # the one CreatePipeline started


def test_excludes_win_over_includes(
    codepipeline: Client, create_pipeline: CreatePipeline, approvals: Approvals
) -> None:
    with_trigger(
        create_pipeline,
        push=[{"branches": {"includes": ["**"], "excludes": ["experimental/**"]}}],
    )

    assert approvals.push("release", branch="experimental/try") is None
    assert approvals.push("release", branch="main") is not None


def test_a_push_starts_only_when_a_changed_file_passes_the_file_path_filter(
    codepipeline: Client, create_pipeline: CreatePipeline, approvals: Approvals
) -> None:
    with_trigger(
        create_pipeline,
        push=[
            {
                "branches": {"includes": ["main"]},
                "filePaths": {"includes": ["src/**"], "excludes": ["**/*.md"]},
            }
        ],
    )

    assert approvals.push("release", branch="main", file_paths=["src/docs/a.md", "b.py"]) is None
    assert approvals.push("release", branch="main", file_paths=["src/app/main.py"]) is not None


def test_a_tag_push_is_judged_by_tag_filters_only(
    codepipeline: Client, create_pipeline: CreatePipeline, approvals: Approvals
) -> None:
    with_trigger(
        create_pipeline,
        push=[
            {"tags": {"includes": ["v*"], "excludes": ["v0*"]}},
            {"branches": {"includes": ["main"]}},
        ],
    )

    assert approvals.push("release", tags=["v0.9"], branch="main") is None
    assert approvals.push("release", tags=["v1.0"]) is not None


def test_a_branch_push_does_not_match_a_tag_filter(
    codepipeline: Client, create_pipeline: CreatePipeline, approvals: Approvals
) -> None:
    with_trigger(create_pipeline, push=[{"tags": {"includes": ["*"]}}])

    assert approvals.push("release", branch="main") is None


def test_a_pull_request_matches_its_destination_branch_and_event(
    codepipeline: Client, create_pipeline: CreatePipeline, approvals: Approvals
) -> None:
    with_trigger(
        create_pipeline,
        pullRequest=[{"events": ["OPEN", "UPDATED"], "branches": {"includes": ["main"]}}],
    )

    closed = approvals.pull_request(
        "release", event="CLOSED", source_branch="feature/a", destination_branch="main"
    )
    elsewhere = approvals.pull_request(
        "release", source_branch="feature/a", destination_branch="develop"
    )
    opened = approvals.pull_request("release", source_branch="feature/a", destination_branch="main")

    assert closed is None and elsewhere is None
    runs = codepipeline.list_action_executions(
        pipelineName="release", filter={"pipelineExecutionId": opened}
    )["actionExecutionDetails"]
    assert runs[0]["output"]["outputVariables"]["BranchName"] == "feature/a"


def test_filters_turn_off_starting_on_a_push_to_the_default_branch(
    codepipeline: Client, create_pipeline: CreatePipeline, approvals: Approvals
) -> None:
    with_trigger(create_pipeline, pullRequest=[{"branches": {"includes": ["main"]}}])

    assert approvals.push("release", branch="main") is None


def test_without_a_trigger_a_push_to_the_configured_branch_starts_an_execution(
    codepipeline: Client, create_pipeline: CreatePipeline, approvals: Approvals
) -> None:
    create_pipeline(stages=[connection_stage(), approval_stage()])

    assert approvals.push("release", branch="develop") is None
    approvals.push("release", branch="main")

    assert executions(codepipeline)[0]["trigger"] == {
        "triggerType": "Webhook",
        "triggerDetail": CONNECTION,
    }


def test_detect_changes_false_starts_nothing_without_a_trigger(
    codepipeline: Client, create_pipeline: CreatePipeline, approvals: Approvals
) -> None:
    create_pipeline(stages=[connection_stage(DetectChanges="false"), approval_stage()])

    assert approvals.push("release", branch="main") is None


@pytest.mark.parametrize(
    "git",
    [
        {"push": [{"tags": {"includes": ["v*"]}, "branches": {"includes": ["main"]}}]},
        {"push": [{"filePaths": {"includes": ["src/**"]}}]},
        {"push": [{"branches": {}}]},
        {"push": [{"branches": {"includes": ["release/[0-9"]}}]},
        {"pullRequest": [{"events": ["OPEN"]}]},
        {"sourceActionName": "Elsewhere"},
    ],
    ids=[
        "tags-and-branches",
        "paths-alone",
        "empty-criteria",
        "bad-glob",
        "pr-no-branches",
        "no-action",
    ],
)
def test_a_malformed_trigger_is_invalid_structure(
    create_pipeline: CreatePipeline, git: dict[str, Any]
) -> None:
    with pytest.raises(ClientError) as err:
        with_trigger(create_pipeline, **git)

    assert error_of(err)[0] == "InvalidStructureException"


def test_a_trigger_on_a_non_connection_source_is_invalid_structure(
    create_pipeline: CreatePipeline,
) -> None:
    trigger = {
        "providerType": "CodeStarSourceConnection",
        "gitConfiguration": {"sourceActionName": "Fetch"},
    }

    with pytest.raises(ClientError) as err:
        create_pipeline(pipelineType="V2", triggers=[trigger])

    assert error_of(err) == ("InvalidStructureException", TRIGGER_MISPLACED)


def test_two_triggers_on_one_source_action_are_invalid_structure(
    create_pipeline: CreatePipeline,
) -> None:
    trigger = {
        "providerType": "CodeStarSourceConnection",
        "gitConfiguration": {"sourceActionName": "Checkout"},
    }

    with pytest.raises(ClientError) as err:
        create_pipeline(
            stages=[connection_stage(), approval_stage()],
            pipelineType="V2",
            triggers=[trigger, trigger],
        )

    assert error_of(err)[0] == "InvalidStructureException"


def test_get_pipeline_returns_the_triggers_as_declared(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    declared = with_trigger(create_pipeline, push=[{"tags": {"includes": ["v*"]}}])

    stored = codepipeline.get_pipeline(name="release")["pipeline"]

    assert stored["triggers"] == declared["triggers"]


def test_a_push_needs_a_branch_or_tags(
    create_pipeline: CreatePipeline, approvals: Approvals
) -> None:
    with_trigger(create_pipeline)

    with pytest.raises(ValueError, match="branch or tags"):
        approvals.push("release", file_paths=["a.py"])


def test_a_pipeline_with_two_connection_sources_needs_the_action_named(
    create_pipeline: CreatePipeline, approvals: Approvals
) -> None:
    create_pipeline(stages=[connection_stage("Checkout", "Docs"), approval_stage()])

    with pytest.raises(ValueError, match="action_name"):
        approvals.push("release", branch="main")
    assert approvals.push("release", branch="main", action_name="Docs") is not None


def test_a_pipeline_without_a_connection_source_takes_no_git_events(
    create_pipeline: CreatePipeline, approvals: Approvals
) -> None:
    create_pipeline()

    with pytest.raises(ValueError, match="no CodeStarSourceConnection source action"):
        approvals.push("release", branch="main")


def test_a_push_to_a_missing_pipeline_is_pipeline_not_found(approvals: Approvals) -> None:
    with pytest.raises(PipelineNotFoundError):
        approvals.push("missing", branch="main")
