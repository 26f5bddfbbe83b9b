"""How tests reach the emulator: ``mock_approvals`` in its forms, and ``mock_aws`` beside it."""

from __future__ import annotations

import json
import os

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from pipelines import APPROVE, REGION, TRUST_POLICY, Client, approval_token, approve, declaration

import moto_approvals
from moto_approvals import (
    ActionNotFoundError,
    Approvals,
    ApprovalsMock,
    PipelineNotFoundError,
    StageNotFoundError,
    mock_approvals,
)
from moto_approvals.wiring import _passing_codepipeline_by, install, installed


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


# -- the handle's errors: plain exceptions that say what is missing, and where -------------------

HANDLE_CALLS = {
    "fail_action": lambda h, p, s, a: h.fail_action(p, s, a),
    "hold_action": lambda h, p, s, a: h.hold_action(p, s, a),
    "succeed_action": lambda h, p, s, a: h.succeed_action(p, s, a),
    "complete_action": lambda h, p, s, a: h.complete_action(p, s, a),
}


def test_handle_names_the_missing_pipeline_with_account_and_region() -> None:
    with (
        mock_approvals(region_name="eu-west-1") as approvals,
        pytest.raises(PipelineNotFoundError) as err,
    ):
        approvals.pending_approvals("relaese")

    assert (
        str(err.value) == "No pipeline named 'relaese' in account 123456789012, region eu-west-1."
    )
    assert isinstance(err.value, LookupError)


@pytest.mark.parametrize("call", HANDLE_CALLS)
def test_handle_names_the_missing_stage(call: str) -> None:
    with mock_approvals() as approvals:
        create_release()
        with pytest.raises(StageNotFoundError) as err:
            HANDLE_CALLS[call](approvals, "release", "Biuld", "Compile")

    assert str(err.value) == (
        "Pipeline 'release' in account 123456789012, region us-east-1 has no stage named 'Biuld'."
    )


@pytest.mark.parametrize("call", HANDLE_CALLS)
def test_handle_names_the_missing_action(call: str) -> None:
    with mock_approvals() as approvals:
        create_release()
        with pytest.raises(ActionNotFoundError) as err:
            HANDLE_CALLS[call](approvals, "release", "Approve", "Manual")

    assert str(err.value) == (
        "Stage 'Approve' of pipeline 'release' in account 123456789012, region us-east-1 has no "
        "action named 'Manual'."
    )


def test_handle_error_is_not_an_http_response() -> None:
    with mock_approvals() as approvals, pytest.raises(LookupError) as err:
        approvals.pending_approvals("release")

    assert "400" not in str(err.value)
    assert "__type" not in str(err.value)
    assert err.value.__cause__ is None


def test_handle_for_an_unknown_region_is_a_value_error() -> None:
    with mock_approvals(region_name="mars-east-1") as approvals, pytest.raises(ValueError) as err:
        approvals.pending_approvals("release")

    assert "region_name 'mars-east-1' is not a region moto knows for CodePipeline" in str(err.value)


# -- the account option: the block runs as that account -----------------------------------------

OTHER_ACCOUNT = "111111111111"


def test_account_option_runs_the_block_as_that_account() -> None:
    with mock_approvals(account_id=OTHER_ACCOUNT) as approvals:
        assert client("sts").get_caller_identity()["Account"] == OTHER_ACCOUNT
        codepipeline = create_release()
        pipeline = codepipeline.get_pipeline(name="release")
        assert pipeline["metadata"]["pipelineArn"].split(":")[4] == OTHER_ACCOUNT
        [pending] = approvals.pending_approvals("release")
        assert pending.token == approval_token(codepipeline)


def test_account_option_is_restored_on_exit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MOTO_ACCOUNT_ID", raising=False)
    with mock_approvals(account_id=OTHER_ACCOUNT):
        assert os.environ["MOTO_ACCOUNT_ID"] == OTHER_ACCOUNT
    assert "MOTO_ACCOUNT_ID" not in os.environ


def test_account_option_is_restored_after_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOTO_ACCOUNT_ID", "999999999999")
    with pytest.raises(ZeroDivisionError), mock_approvals(account_id=OTHER_ACCOUNT):
        1 / 0  # noqa: B018
    assert os.environ["MOTO_ACCOUNT_ID"] == "999999999999"


def test_nested_account_options_restore_in_turn() -> None:
    with mock_approvals(account_id=OTHER_ACCOUNT):
        with mock_approvals(account_id="222222222222") as inner:
            assert client("sts").get_caller_identity()["Account"] == "222222222222"
            assert inner.account_id == "222222222222"
        assert client("sts").get_caller_identity()["Account"] == OTHER_ACCOUNT
        with mock_approvals() as unnamed:
            assert unnamed.account_id == OTHER_ACCOUNT


def test_without_the_option_the_handle_reads_moto_account_id(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MOTO_ACCOUNT_ID", OTHER_ACCOUNT)
    with mock_approvals() as approvals:
        create_release()
        assert approvals.account_id == OTHER_ACCOUNT
        assert len(approvals.pending_approvals("release")) == 1


@mock_approvals(account_id=OTHER_ACCOUNT)
def test_decorator_account_option_runs_the_test_as_that_account() -> None:
    create_release()
    assert client("sts").get_caller_identity()["Account"] == OTHER_ACCOUNT
    assert len(moto_approvals.approvals().pending_approvals("release")) == 1


@mock_approvals(account_id=OTHER_ACCOUNT)
class TestClassDecoratorWithAnAccount:
    def test_methods_run_as_that_account(self) -> None:
        assert client("sts").get_caller_identity()["Account"] == OTHER_ACCOUNT


def test_class_decorator_account_ends_with_each_method() -> None:
    account = os.environ.get("MOTO_ACCOUNT_ID")
    TestClassDecoratorWithAnAccount().test_methods_run_as_that_account()
    assert os.environ.get("MOTO_ACCOUNT_ID") == account


# -- misuse -------------------------------------------------------------------------------------


def test_positional_options_are_a_type_error() -> None:
    with pytest.raises(TypeError) as err:
        mock_approvals("eu-west-1")  # type: ignore[call-overload]  # the misuse under test

    assert str(err.value) == (
        "mock_approvals() takes keyword arguments only, got 'eu-west-1' as a positional "
        "argument; use @mock_approvals, @mock_approvals(account_id=..., region_name=..., "
        "config=...) or with mock_approvals(...) as approvals:"
    )


@pytest.mark.parametrize("account_id", ["eu-west-1", "12345", 123456789012], ids=str)
def test_an_account_id_that_is_not_12_digits_is_a_value_error(account_id: object) -> None:
    with pytest.raises(ValueError) as err:
        mock_approvals(account_id=account_id)  # type: ignore[call-overload]  # misuse under test

    assert str(err.value) == (
        "account_id must be a 12-digit AWS account ID such as '123456789012', got "
        f"{account_id!r}; pass the region as region_name=..."
    )


def test_a_region_passed_to_approvals_as_account_is_a_value_error() -> None:
    with pytest.raises(ValueError) as err:
        moto_approvals.approvals("eu-west-1")

    assert str(err.value).endswith("got 'eu-west-1'; pass the region as region_name=...")


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
    approve(codepipeline)
    assert approve_stage_status() == "Succeeded"


def test_plain_mock_aws_resets_emulator_state_on_exit() -> None:
    with mock_aws():
        create_release()
        assert len(moto_approvals.approvals().pending_approvals("release")) == 1
    with mock_aws(), pytest.raises(PipelineNotFoundError) as err:
        moto_approvals.approvals().pending_approvals("release")
    assert (
        str(err.value) == "No pipeline named 'release' in account 123456789012, region us-east-1."
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


def test_moto_servers_gzip_hook_passes_codepipeline_requests_by() -> None:
    # moto 5.1's server inflates every gzip body before any handler; the emulator reads its own.
    flask = pytest.importorskip("flask")
    seen: list[str] = []
    hook = _passing_codepipeline_by(lambda: seen.append(str(flask.request.headers["X-Amz-Target"])))
    app = flask.Flask("moto")
    for target in ("CodePipeline_20150709.GetPipelineState", "AmazonSQS.ListQueues"):
        with app.test_request_context("/", method="POST", headers={"X-Amz-Target": target}):
            hook()

    assert seen == ["AmazonSQS.ListQueues"]
