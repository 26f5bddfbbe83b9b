"""The pytest plugin, as a user meets it: the ``approvals_mock`` fixture and marker.

Each test writes a small test module into a fresh directory with no conftest, so the fixture
can only come from the ``pytest11`` entry point, and runs pytest on it.
"""

from __future__ import annotations

import sys

import pytest

pytest_plugins = ["pytester"]

# Shared by the generated modules: creating the default pipeline leaves one pending approval.
# They import nothing of moto_approvals: the tests that need it say so.
HELPERS = """
import json

import boto3

TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "codepipeline.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def action(name, category, provider):
    return {
        "name": name,
        "actionTypeId": {
            "category": category, "owner": "AWS", "provider": provider, "version": "1"
        },
    }


def create_release(region):
    iam = boto3.client("iam", region_name=region)
    role = iam.create_role(RoleName="pipeline", AssumeRolePolicyDocument=json.dumps(TRUST))
    codepipeline = boto3.client("codepipeline", region_name=region)
    codepipeline.create_pipeline(
        pipeline={
            "name": "release",
            "roleArn": role["Role"]["Arn"],
            "artifactStore": {"type": "S3", "location": "artifacts"},
            "stages": [
                {
                    "name": "Source",
                    "actions": [
                        {**action("Fetch", "Source", "S3"), "outputArtifacts": [{"name": "App"}]}
                    ],
                },
                {"name": "Approve", "actions": [action("ManualApproval", "Approval", "Manual")]},
            ],
        }
    )
    return codepipeline


def pipeline_names(region="us-east-1"):
    codepipeline = boto3.client("codepipeline", region_name=region)
    return [p["name"] for p in codepipeline.list_pipelines()["pipelines"]]
"""


def test_fixture_mocks_aws_and_yields_the_handle(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        HELPERS
        + """
from moto_approvals import Approvals


def test_pending_approval(approvals_mock):
    assert isinstance(approvals_mock, Approvals)
    assert approvals_mock.region_name == "us-east-1"
    codepipeline = create_release("us-east-1")
    [pending] = approvals_mock.pending_approvals("release")
    state = codepipeline.get_pipeline_state(name="release")
    token = state["stageStates"][1]["actionStates"][0]["latestExecution"]["token"]
    assert pending.token == token
    print("pending approval in", pending.stage_name)
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:randomly", "-s")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*pending approval in Approve*"])


def test_fixture_state_does_not_leak_between_tests(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        HELPERS
        + """

def test_first_creates_a_pipeline(approvals_mock):
    create_release("us-east-1")
    assert pipeline_names() == ["release"]


def test_second_sees_none(approvals_mock):
    assert pipeline_names() == []
    create_release("us-east-1")
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:randomly", "-v")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        ["*::test_first_creates_a_pipeline PASSED*", "*::test_second_sees_none PASSED*"]
    )


def test_fixture_stops_the_mock_after_the_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        HELPERS
        + """
from moto.core.models import MockAWS


def test_mocked(approvals_mock):
    assert MockAWS._nested_count == 1


def test_not_mocked():
    assert MockAWS._nested_count == 0
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:randomly")
    result.assert_outcomes(passed=2)


def test_marker_sets_the_handle_region(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        HELPERS
        + """
import sys

import pytest


@pytest.mark.approvals_mock(region_name="eu-west-1")
def test_ireland(approvals_mock):
    assert approvals_mock.region_name == "eu-west-1"
    create_release("eu-west-1")
    assert len(approvals_mock.pending_approvals("release")) == 1
    assert pipeline_names("us-east-1") == []
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:randomly")
    result.assert_outcomes(passed=1)


def test_marker_on_a_class_applies_to_its_tests(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
import sys

import pytest


@pytest.mark.approvals_mock(region_name="eu-west-1", account_id="111111111111")
class TestIreland:
    def test_region(self, approvals_mock):
        assert approvals_mock.region_name == "eu-west-1"
        assert approvals_mock.account_id == "111111111111"

    @pytest.mark.approvals_mock(region_name="eu-central-1")
    def test_closest_marker_wins(self, approvals_mock):
        assert approvals_mock.region_name == "eu-central-1"
        assert approvals_mock.account_id == "111111111111"
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:randomly")
    result.assert_outcomes(passed=2)


def test_unknown_marker_option_is_a_type_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
import sys

import pytest


@pytest.mark.approvals_mock(regoin_name="eu-west-1")
def test_typo(approvals_mock):
    pass
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:randomly")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*TypeError: @pytest.mark.approvals_mock got unknown option(s) regoin_name; "
            "it takes account_id, region_name, config, history_limit.*"
        ]
    )


def test_positional_marker_argument_is_a_type_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
import sys

import pytest


@pytest.mark.approvals_mock("eu-west-1")
def test_positional(approvals_mock):
    pass
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:randomly")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*TypeError: @pytest.mark.approvals_mock takes keyword arguments only.*"]
    )


def test_marker_is_listed_by_pytest_markers(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--markers")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["@pytest.mark.approvals_mock(account_id=*, region_name=*"])


def test_marker_passes_strict_markers(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
import sys

import pytest


@pytest.mark.approvals_mock(region_name="eu-west-1")
def test_strict(approvals_mock):
    assert approvals_mock.region_name == "eu-west-1"
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:randomly", "--strict-markers")
    result.assert_outcomes(passed=1)


def test_fixture_is_listed_by_pytest_fixtures(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_nothing():\n    pass\n")
    result = pytester.runpytest_subprocess("--fixtures")
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            "approvals_mock*",
            "*Mock AWS with moto and the CodePipeline emulator for one test; yield its handle.",
        ]
    )


# -- registering the plugin changes nothing ---------------------------------------------------

# A plain moto test module that never imports moto_approvals. moto serves no GetPipelineState
# in any 5.x release (in-process it raises NotImplementedError), so the call tells whose
# CodePipeline answered.
MOTO_ONLY = """
import sys

import boto3
import sys

import pytest
from moto import mock_aws


@mock_aws
def test_moto_serves_codepipeline_alone():
    codepipeline = boto3.client("codepipeline", region_name="us-east-1")
    with pytest.raises(NotImplementedError, match="get_pipeline_state"):
        codepipeline.get_pipeline_state(name="release")
    assert "moto_approvals" not in sys.modules
"""


def test_registering_the_plugin_leaves_moto_alone(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(MOTO_ONLY)
    result = pytester.runpytest_subprocess("-p", "no:randomly")
    result.assert_outcomes(passed=1)


def test_the_plugin_is_registered_in_that_run(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(MOTO_ONLY)
    result = pytester.runpytest_subprocess("-p", "no:randomly", "--trace-config")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*pytest_moto_approvals*"])


def test_a_test_without_the_import_fails_the_same_under_pytest_as_a_script(
    pytester: pytest.Pytester,
) -> None:
    module = pytester.makepyfile(
        HELPERS
        + """
from moto import mock_aws


@mock_aws
def test_forgot_the_import():
    create_release("us-east-1").get_pipeline_state(name="release")


if __name__ == "__main__":
    test_forgot_the_import()
"""
    )
    script = pytester.run(sys.executable, str(module))
    under_pytest = pytester.runpytest_subprocess("-p", "no:randomly")

    assert script.ret == 1
    script.stderr.fnmatch_lines(
        ["NotImplementedError: The get_pipeline_state action has not been implemented"]
    )
    under_pytest.assert_outcomes(failed=1)
    under_pytest.stdout.fnmatch_lines(
        ["E*NotImplementedError: The get_pipeline_state action has not been implemented"]
    )


def test_using_the_fixture_installs_the_emulator_from_then_on(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        MOTO_ONLY
        + """

def test_with_the_fixture(approvals_mock):
    codepipeline = boto3.client("codepipeline", region_name="us-east-1")
    with pytest.raises(codepipeline.exceptions.PipelineNotFoundException):
        codepipeline.get_pipeline_state(name="release")
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:randomly", "-v")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        ["*::test_moto_serves_codepipeline_alone PASSED*", "*::test_with_the_fixture PASSED*"]
    )


def test_the_marker_alone_mocks_aws_with_the_emulator(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        HELPERS
        + """
import sys

import pytest

from moto_approvals import approvals


@pytest.mark.approvals_mock(region_name="eu-west-1")
def test_marked_only():
    create_release("eu-west-1")
    assert len(approvals(region_name="eu-west-1").pending_approvals("release")) == 1
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:randomly")
    result.assert_outcomes(passed=1)
