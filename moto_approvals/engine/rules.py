"""Rule types of stage conditions: what each rule reads and when it succeeds or fails.

A rule reads state it is handed (:class:`RuleWorld`), never moto itself: the backend passes in
moto's CloudWatch alarm states, the reports of LambdaInvoke rules' functions
(:mod:`.rule_jobs`) and the results a test set for rules with nothing in moto to read
(``Approvals.set_rule_result``). A rule answers ``Succeeded``, ``Failed`` or nothing yet
(``None``: still InProgress, asked again the next time the pipeline's state is read or written).

The rule types and their configuration are those of the CodePipeline User Guide's rule
reference (rule-reference-CloudWatchAlarm, -DeploymentWindow, -VariableCheck, -LambdaInvoke).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from moto_approvals.domain import ActionStatus, PipelineExecution, RuleRun

#: (status, summary): a rule's verdict; a status of None means "not yet".
Verdict = tuple[ActionStatus | None, str | None]
#: An alarm's state (OK, ALARM, INSUFFICIENT_DATA), or None when there is no such alarm.
AlarmLookup = Callable[[str, str | None], str | None]
#: The value of ``#{Namespace.Name}`` in an execution, or None when nothing defines it.
VariableLookup = Callable[[PipelineExecution, str, str], str | None]
#: A LambdaInvoke rule's verdict from its function, or None when no handler answers it.
FunctionVerdict = Callable[[RuleRun, PipelineExecution, datetime.datetime], Verdict | None]

#: Results a test may set for a rule (``Approvals.set_rule_result``).
RULE_RESULTS = {
    "SUCCEEDED": ActionStatus.SUCCEEDED,
    "FAILED": ActionStatus.FAILED,
    "IN_PROGRESS": None,
}
#: Rule types evaluated against moto state: their results cannot be set by the test.
STATEFUL_PROVIDERS = ("CloudWatchAlarm", "DeploymentWindow", "VariableCheck")


@dataclass
class RuleWorld:
    """What rules read: set by the backend, so the engine stays free of moto and clocks."""

    alarm_state: AlarmLookup = lambda name, region: None
    variable: VariableLookup = lambda execution, namespace, name: None
    function: FunctionVerdict = lambda run, execution, now: None
    #: (stage, rule) -> result name set by the test (a key of RULE_RESULTS).
    set_results: dict[tuple[str, str], str] = field(default_factory=dict)


def evaluate(
    run: RuleRun, execution: PipelineExecution, world: RuleWorld, now: datetime.datetime
) -> Verdict:
    """The rule's verdict at ``now``: its type's, else a failure once it has timed out."""
    status, summary = _verdict(run, execution, world, now)
    timeout = _timeout(run)
    if status is None and timeout is not None and now >= run.start_time + timeout:
        minutes = run.rule["timeoutInMinutes"]
        return ActionStatus.FAILED, f"Rule {run.rule_name} timed out after {minutes} minutes."
    return status, summary


def _timeout(run: RuleRun) -> datetime.timedelta | None:
    """The rule's declared ``timeoutInMinutes``; a rule without one waits as long as it must."""
    minutes = run.rule.get("timeoutInMinutes")
    return None if minutes is None else datetime.timedelta(minutes=int(minutes))


def rule_deadline(run: RuleRun) -> datetime.datetime | None:
    """When a rule still waiting for a verdict must decide: its timeout, or an alarm's
    WaitTime, whichever comes first."""
    if run.status is not ActionStatus.IN_PROGRESS:
        return None
    timeout = _timeout(run)
    deadlines = [d for d in (alarm_wait_deadline(run),) if d is not None]
    if timeout is not None:
        deadlines.append(run.start_time + timeout)
    return min(deadlines, default=None)


def _verdict(
    run: RuleRun, execution: PipelineExecution, world: RuleWorld, now: datetime.datetime
) -> Verdict:
    config = run.configuration
    if run.provider == "CloudWatchAlarm":
        return _cloudwatch_alarm(run, config, world, now)
    if run.provider == "DeploymentWindow":
        return _deployment_window(config, now)
    if run.provider == "VariableCheck":
        return _variable_check(config, execution, world)
    if run.provider == "LambdaInvoke":
        answered = world.function(run, execution, now)
        if answered is not None:
            return answered
    # LambdaInvoke without a handler, Commands, CodeBuild, ...: nothing in moto to read; the
    # test decides and a rule it said nothing about succeeds, like an action it did not steer.
    result = world.set_results.get((run.stage_name, run.rule_name), "SUCCEEDED")
    status = RULE_RESULTS[result]
    if status is ActionStatus.FAILED:
        return status, "Rule failed (set by the test)"
    return status, None


def _cloudwatch_alarm(
    run: RuleRun, config: dict[str, str], world: RuleWorld, now: datetime.datetime
) -> Verdict:
    name = config.get("AlarmName", "")
    state = world.alarm_state(name, run.rule.get("region"))
    if state is None:
        return ActionStatus.FAILED, f"CloudWatch alarm {name} does not exist."
    watched = [s.strip() for s in (config.get("AlarmStates") or "ALARM").split(",") if s.strip()]
    if state not in watched:
        return ActionStatus.SUCCEEDED, f"CloudWatch alarm {name} is in state {state}."
    # WaitTime: minutes to allow the alarm to leave a watched state before the rule fails.
    wait = datetime.timedelta(minutes=_number(config.get("WaitTime")))
    if now < run.start_time + wait:
        return None, f"CloudWatch alarm {name} is in state {state}; waiting for a change."
    return ActionStatus.FAILED, f"CloudWatch alarm {name} is in state {state}."


def alarm_wait_deadline(run: RuleRun) -> datetime.datetime | None:
    """When an alarm rule waiting for a change gives up (its WaitTime has passed)."""
    if run.provider != "CloudWatchAlarm" or run.status is not ActionStatus.IN_PROGRESS:
        return None
    minutes = _number(run.configuration.get("WaitTime"))
    return run.start_time + datetime.timedelta(minutes=minutes) if minutes else None


def _number(value: str | None) -> float:
    try:
        return max(float(value or 0), 0.0)
    except ValueError:
        return 0.0


def _deployment_window(config: dict[str, str], now: datetime.datetime) -> Verdict:
    expression = config.get("Cron", "")
    try:
        zone = ZoneInfo(config.get("TimeZone") or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ActionStatus.FAILED, f"Unknown time zone {config.get('TimeZone')}."
    local = now.replace(tzinfo=datetime.timezone.utc).astimezone(zone)
    try:
        inside = cron_matches(expression, local)
    except ValueError as error:
        return ActionStatus.FAILED, f"Invalid cron expression {expression!r}: {error}"
    if inside:
        return ActionStatus.SUCCEEDED, "The deployment window is open."
    return None, "Waiting for the deployment window to open."


_OPERATORS: dict[str, Callable[[str, str], bool]] = {
    "EQ": lambda actual, expected: actual == expected,
    "NE": lambda actual, expected: actual != expected,
    "CONTAINS": lambda actual, expected: expected in actual,
    "MATCHES": lambda actual, expected: re.fullmatch(expected, actual) is not None,
}
_REFERENCE = re.compile(r"#\{([A-Za-z0-9@\-_]+)\.([A-Za-z0-9@\-_.]+)\}")


def _variable_check(
    config: dict[str, str], execution: PipelineExecution, world: RuleWorld
) -> Verdict:
    reference = config.get("Variable", "")
    match = _REFERENCE.fullmatch(reference.strip())
    if match is None:
        return (
            ActionStatus.FAILED,
            f"{reference!r} is not a variable reference #{{Namespace.Name}}.",
        )
    actual = world.variable(execution, match.group(1), match.group(2))
    if actual is None:
        return ActionStatus.FAILED, f"Variable {reference} is not defined in this execution."
    operator = (config.get("Operator") or "EQ").upper()
    compare = _OPERATORS.get(operator)
    if compare is None:
        return ActionStatus.FAILED, f"Unknown operator {operator}; use {', '.join(_OPERATORS)}."
    expected = config.get("Value", "")
    try:
        holds = compare(actual, expected)
    except re.error as error:
        return ActionStatus.FAILED, f"Invalid pattern {expected!r}: {error}"
    status = ActionStatus.SUCCEEDED if holds else ActionStatus.FAILED
    return status, f"{reference} is {actual!r}; {operator} {expected!r} is {str(holds).lower()}."


# -- cron (Quartz syntax, as DeploymentWindow takes it) ------------------------------------

_MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
_DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
#: (low, high, names whose index + offset is the value) for each field.
_FIELDS: list[tuple[int, int, list[str], int]] = [
    (0, 59, [], 0),  # seconds
    (0, 59, [], 0),  # minutes
    (0, 23, [], 0),  # hours
    (1, 31, [], 0),  # day of month
    (1, 12, _MONTHS, 1),  # month
    (1, 7, _DAYS, 1),  # day of week, 1 = Sunday
    (1970, 2199, [], 0),  # year
]


def _values(text: str, index: int) -> set[int] | None:
    """The values a field allows; None for ``*`` and ``?`` (any)."""
    low, high, names, offset = _FIELDS[index]
    if text in ("*", "?"):
        return None
    allowed: set[int] = set()
    for part in text.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            step = _value(step_text, [], 0)
            if step < 1:
                raise ValueError(f"step {step_text!r} must be positive")
        if part in ("*", ""):
            start, end = low, high
        elif "-" in part:
            first, last = part.split("-", 1)
            start, end = _value(first, names, offset), _value(last, names, offset)
        else:
            start = _value(part, names, offset)
            end = high if step > 1 else start
        if not low <= start <= end <= high:
            raise ValueError(f"{part!r} is outside {low}-{high}")
        allowed.update(range(start, end + 1, step))
    return allowed


def _value(text: str, names: list[str], offset: int) -> int:
    upper = text.upper()
    if upper in names:
        return names.index(upper) + offset
    if not upper.isdigit():
        raise ValueError(f"{text!r} is not supported")
    return int(upper)


def cron_matches(expression: str, at: datetime.datetime) -> bool:
    """True if ``at`` (to the minute) is one of the times the expression allows.

    Supports ``* ? , - /`` and month and weekday names; ``L``, ``W`` and ``#`` are rejected.
    The seconds field is ignored: a window is open for the whole minute.
    """
    fields = expression.split()
    if len(fields) not in (6, 7):
        raise ValueError("a cron expression has 6 or 7 fields")
    weekday = (at.isoweekday() % 7) + 1  # Quartz: 1 = Sunday ... 7 = Saturday
    actual = [at.second, at.minute, at.hour, at.day, at.month, weekday, at.year]
    for index, text in enumerate(fields):
        allowed = _values(text, index)
        if index > 0 and allowed is not None and actual[index] not in allowed:
            return False
    return True
