"""Variables: ``#{namespace.name}`` references in an action's configuration, resolved when the
action starts (reference-variables, actions-variables).

Three kinds of value can be referenced:

- ``#{codepipeline.PipelineExecutionId}``: the execution's id;
- ``#{variables.NAME}``: a pipeline-level variable of the execution (V2 pipelines);
- ``#{Namespace.NAME}``: an output variable of an earlier action of the same execution, published
  under the ``namespace`` that action declares (a source's ``VersionId``, a job's
  ``outputVariables``).

A reference that names nothing fails the action with AWS's message (UNRESOLVED_MESSAGE).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from moto_approvals.domain import ActionRun, ActionStatus, PipelineExecution

#: A reference as the User Guide writes them: ``#{SourceVariables.CommitId}``.
REFERENCE = re.compile(r"#\{([A-Za-z0-9@\-_]+)\.([A-Za-z0-9@\-_]+)\}")

#: What AWS reports when an action's configuration names a variable that has no value.
UNRESOLVED_MESSAGE = (
    "An action in this pipeline failed because one or more variables could not be resolved: "
    "Action name={action}"
)

Values = dict[tuple[str, str], str]


def has_references(configuration: dict[str, str]) -> bool:
    return any("#{" in value for value in configuration.values())


def runs_of(execution: PipelineExecution) -> Iterable[ActionRun]:
    """The latest run of every action the execution has started, stage by stage."""
    for stage_run in execution.stage_runs.values():
        yield from stage_run.actions.values()


def available(execution: PipelineExecution) -> Values:
    """Every value a reference can name at this point of the execution."""
    values: Values = {("codepipeline", "PipelineExecutionId"): execution.pipeline_execution_id}
    for variable in execution.variables:
        values[("variables", variable["name"])] = variable["value"]
    for run in runs_of(execution):
        namespace = run.action.namespace
        # A failed or still running action has published nothing yet.
        if namespace and run.status is ActionStatus.SUCCEEDED:
            for name, value in run.output_variables.items():
                values[(namespace, name)] = value
    return values


def resolve(configuration: dict[str, str], values: Values) -> tuple[dict[str, str], bool]:
    """The configuration with every reference replaced, and whether all of them resolved."""
    complete = True

    def replace(match: re.Match[str]) -> str:
        nonlocal complete
        value = values.get((match.group(1), match.group(2)))
        if value is None:
            complete = False
            return match.group(0)
        return value

    resolved = {key: REFERENCE.sub(replace, value) for key, value in configuration.items()}
    return resolved, complete
