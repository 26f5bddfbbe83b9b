"""How tests reach the emulator: ``mock_approvals`` in its forms, and ``mock_aws`` beside it."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from pipelines import APPROVE, REGION, TRUST_POLICY, Client, approval_token, declaration

import moto_approvals
from moto_approvals import Approvals, ApprovalsMock, mock_approvals
from moto_approvals.exceptions import PipelineNotFoundException
from moto_approvals.wiring import install, installed


def client(service: str) -> Client:
    return boto3.client(service, region_name=REGION)


def create_role() -> str:
    role = client("iam").create_role(
        RoleName="pipeline", AssumeRolePolicyDocument=json.dumps(TRUST_POLICY)
    )
    return str(role["Role"]["Arn"])


def create_release() -> Client:
    """Create the default pipeline (Source → Approve → Deploy); return a codepipeline client."""
    codepipeline = client("codepipeline")
    codepipeline.create_pipeline(pipeline=declaration(create_role()))
    return codepipeline


def pipeline_names() -> list[str]:
    return [p["name"] for p in client("codepipeline").list_pipelines()["pipelines"]]


def approve_stage_status() -> str:
    state = client("codepipeline").get_pipeline_state(name="release")
    stage = next(s for s in state["stageStates"] if s["stageName"] == "Approve")
    return str(stage["latestExecution"]["status"])


def fresh_pipeline_names() -> list[str]:
    with mock_approvals():
        return pipeline_names()


# -- the decorator forms ---------------------------------------------------------------------


@mock_approvals
def test_bare_decorator_mocks_codepipeline_approvals() -> None:
    create_release()
    assert approve_stage_status() == "InProgress"


@mock_approvals()
def test_called_decorator_mocks_codepipeline_approvals() -> None:
    create_release()
    assert approve_stage_status() == "InProgress"


def test_called_form_returns_a_mock_object() -> None:
    assert isinstance(mock_approvals(), ApprovalsMock)


def test_decorated_function_keeps_its_name_and_return_value() -> None:
    @mock_approvals
    def answer() -> int:
        """Docs stay."""
        return 42

    assert answer() == 42
    assert answer.__name__ == "answer"
    assert answer.__doc__ == "Docs stay."


def test_decorator_resets_state_between_calls() -> None:
    @mock_approvals
    def create_and_list() -> list[str]:
        create_release()
        return pipeline_names()

    assert create_and_list() == ["release"]
    assert create_and_list() == ["release"]
    assert fresh_pipeline_names() == []


@mock_approvals
class TestClassDecoratorWithoutSetup:
    """Without a setup method, each test method starts from a clean state."""

    def test_first_method_creates_a_pipeline(self) -> None:
        assert pipeline_names() == []
        create_release()
        assert pipeline_names() == ["release"]

    def test_second_method_sees_no_pipeline(self) -> None:
        assert pipeline_names() == []
        create_release()
        assert pipeline_names() == ["release"]


@mock_approvals
class TestClassDecoratorWithSetupMethod:
    """With ``setup_method``, state is reset before it and kept for the test method."""

    def setup_method(self, method: object) -> None:
        create_release()

    def test_pipeline_from_setup_is_visible(self) -> None:
        assert pipeline_names() == ["release"]
        assert approve_stage_status() == "InProgress"

    def test_setup_state_does_not_pile_up(self) -> None:
        # A second CreatePipeline would fail if the first test's pipeline had survived.
        assert pipeline_names() == ["release"]
        assert (
            len(
                client("codepipeline").list_pipeline_executions(pipelineName="release")[
                    "pipelineExecutionSummaries"
                ]
            )
            == 1
        )


# -- the context manager and its handle ------------------------------------------------------


def test_context_manager_yields_an_approvals_handle() -> None:
    with mock_approvals() as approvals:
        assert isinstance(approvals, Approvals)
        assert approvals.account_id == "123456789012"
        assert approvals.region_name == REGION


def test_handle_lists_the_pending_approval() -> None:
    with mock_approvals() as approvals:
        codepipeline = create_release()
        execution_id = codepipeline.list_pipeline_executions(pipelineName="release")[
            "pipelineExecutionSummaries"
        ][0]["pipelineExecutionId"]

        [pending] = approvals.pending_approvals("release")

        assert pending.pipeline_name == "release"
        assert pending.stage_name == "Approve"
        assert pending.action_name == "ManualApproval"
        assert pending.pipeline_execution_id == execution_id
        assert pending.token == approval_token(codepipeline)


def test_handle_token_answers_the_approval() -> None:
    with mock_approvals() as approvals:
        codepipeline = create_release()
        [pending] = approvals.pending_approvals("release")

        codepipeline.put_approval_result(
            pipelineName="release",
            stageName=pending.stage_name,
            actionName=pending.action_name,
            result=APPROVE,
            token=pending.token,
        )

        assert approvals.pending_approvals("release") == []
        assert approve_stage_status() == "Succeeded"


def test_handle_region_follows_the_mock_options() -> None:
    with mock_approvals(region_name="eu-west-1", account_id="111111111111") as approvals:
        assert approvals.region_name == "eu-west-1"
        assert approvals.account_id == "111111111111"


@mock_aws
def test_approvals_function_returns_a_handle_inside_mock_aws() -> None:
    create_release()
    [pending] = moto_approvals.approvals().pending_approvals("release")
    assert pending.token == approval_token(client("codepipeline"))


@mock_approvals(region_name="eu-west-1")
def test_approvals_function_takes_the_account_and_region() -> None:
    codepipeline = boto3.client("codepipeline", region_name="eu-west-1")
    codepipeline.create_pipeline(pipeline=declaration(create_role()))
    handle = moto_approvals.approvals(region_name="eu-west-1")
    assert handle.region_name == "eu-west-1"
    [pending] = handle.pending_approvals("release")
    assert pending.token == approval_token(codepipeline)


def test_context_manager_resets_state_on_exit() -> None:
    with mock_approvals():
        create_release()
    assert fresh_pipeline_names() == []


def test_stop_before_start_is_a_clear_error() -> None:
    with pytest.raises(RuntimeError, match="stop\\(\\) called before start\\(\\)"):
        mock_approvals().stop()


def test_the_tests_own_exception_propagates_out_of_the_mock() -> None:
    class Boom(Exception):
        pass

    raised = Boom("from the test")
    with pytest.raises(Boom) as err, mock_approvals():
        create_release()
        raise raised
    assert err.value is raised


def test_the_tests_own_client_error_propagates_out_of_the_mock() -> None:
    with pytest.raises(ClientError) as err, mock_approvals():
        client("codepipeline").get_pipeline_state(name="missing")
    assert err.value.response["Error"]["Code"] == "PipelineNotFoundException"
    assert fresh_pipeline_names() == []


# -- other moto services inside the mock ----------------------------------------------------


def test_other_moto_services_work_inside_the_mock() -> None:
    with mock_approvals():
        client("s3").create_bucket(Bucket="artifacts")
        topic = client("sns").create_topic(Name="approvals")["TopicArn"]
        queue = client("sqs").create_queue(QueueName="approvals")["QueueUrl"]
        client("events").create_event_bus(Name="pipelines")

        assert [b["Name"] for b in client("s3").list_buckets()["Buckets"]] == ["artifacts"]
        assert [t["TopicArn"] for t in client("sns").list_topics()["Topics"]] == [topic]
        assert client("sqs").list_queues()["QueueUrls"] == [queue]
        buses = [b["Name"] for b in client("events").list_event_buses()["EventBuses"]]
        assert "pipelines" in buses
        assert client("sts").get_caller_identity()["Account"] == "123456789012"


def test_iam_role_created_with_boto3_is_accepted_by_create_pipeline() -> None:
    with mock_approvals():
        role_arn = create_role()
        created = client("codepipeline").create_pipeline(pipeline=declaration(role_arn))
        assert created["pipeline"]["roleArn"] == role_arn


def test_create_pipeline_rejects_a_role_that_does_not_exist() -> None:
    with mock_approvals():
        missing = "arn:aws:iam::123456789012:role/missing"
        with pytest.raises(ClientError) as err:
            client("codepipeline").create_pipeline(pipeline=declaration(missing))
    assert err.value.response["Error"]["Code"] == "InvalidStructureException"
    assert err.value.response["Error"]["Message"] == (
        "CodePipeline is not authorized to perform AssumeRole on role " + missing
    )


# -- nesting with moto's mock_aws ------------------------------------------------------------


def test_mock_aws_inside_mock_approvals_shares_state() -> None:
    with mock_approvals() as approvals:
        with mock_aws():
            create_release()
        assert pipeline_names() == ["release"]
        assert len(approvals.pending_approvals("release")) == 1
    assert fresh_pipeline_names() == []


def test_mock_approvals_inside_mock_aws_shares_state() -> None:
    with mock_aws():
        with mock_approvals() as approvals:
            create_release()
        assert pipeline_names() == ["release"]
        assert len(approvals.pending_approvals("release")) == 1
    assert fresh_pipeline_names() == []


def test_inner_mock_does_not_reset_outer_state_on_entry() -> None:
    with mock_aws():
        create_release()
        with mock_approvals():
            assert pipeline_names() == ["release"]
        assert approve_stage_status() == "InProgress"


def test_mock_approvals_nested_in_itself_keeps_state() -> None:
    with mock_approvals():
        with mock_approvals():
            create_release()
        assert pipeline_names() == ["release"]
    assert fresh_pipeline_names() == []


# -- plain mock_aws after importing the package ----------------------------------------------


@mock_aws
def test_plain_mock_aws_serves_get_pipeline_state() -> None:
    create_release()
    assert approve_stage_status() == "InProgress"


@mock_aws
def test_plain_mock_aws_serves_put_approval_result() -> None:
    codepipeline = create_release()
    codepipeline.put_approval_result(
        pipelineName="release",
        stageName="Approve",
        actionName="ManualApproval",
        result=APPROVE,
        token=approval_token(codepipeline),
    )
    assert approve_stage_status() == "Succeeded"


def test_plain_mock_aws_resets_emulator_state_on_exit() -> None:
    with mock_aws():
        create_release()
        assert len(moto_approvals.approvals().pending_approvals("release")) == 1
    with mock_aws(), pytest.raises(PipelineNotFoundException) as err:
        moto_approvals.approvals().pending_approvals("release")
    assert err.value.message == (
        "Account '123456789012' does not have a pipeline with name 'release'"
    )


# -- installation ------------------------------------------------------------------------------


def test_importing_the_package_installs_the_emulator() -> None:
    assert installed()


def test_install_is_idempotent() -> None:
    install()
    install()
    assert installed()
    with mock_approvals():
        create_release()
        assert approve_stage_status() == "InProgress"
