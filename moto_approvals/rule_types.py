"""ListRuleTypes: the rule types stage conditions may use, as AWS defines them.

Definitions follow the CodePipeline User Guide's rule reference (rule-reference-*): the
configuration properties each provider takes and which of them are required. AWS offers the
same rule types in every Region, so ``regionFilter`` selects nothing out.
"""

from __future__ import annotations

from typing import Any

Json = dict[str, Any]

#: provider -> (configuration properties as (name, required, description), min/max inputs)
_RULE_TYPES: dict[str, tuple[list[tuple[str, bool, str]], tuple[int, int]]] = {
    "CloudWatchAlarm": (
        [
            ("AlarmName", True, "The name of the CloudWatch alarm."),
            (
                "AlarmStates",
                False,
                "The alarm states the rule monitors: ALARM, OK, INSUFFICIENT_DATA.",
            ),
            ("WaitTime", False, "Minutes to allow for a state change before the result."),
        ],
        (0, 0),
    ),
    "CodeBuild": (
        [
            ("ProjectName", True, "The name of the CodeBuild project."),
            ("PrimarySource", False, "The input artifact used as the primary source."),
        ],
        (1, 5),
    ),
    "Commands": ([], (1, 5)),
    "DeploymentWindow": (
        [
            ("Cron", True, "The cron expression of the days and times deployment is allowed."),
            ("TimeZone", False, "The time zone of the deployment window."),
        ],
        (0, 0),
    ),
    "LambdaInvoke": (
        [
            ("FunctionName", True, "The name of the Lambda function."),
            ("UserParameters", False, "A string passed to the function."),
        ],
        (0, 5),
    ),
    "VariableCheck": (
        [
            ("Variable", True, "The variable to check, as #{Namespace.Name}."),
            ("Value", True, "The value to compare the variable with."),
            ("Operator", True, "EQ, NE, CONTAINS or MATCHES."),
        ],
        (0, 0),
    ),
}


def rule_types() -> list[Json]:
    """Every rule type, in provider order, as ListRuleTypes returns them."""
    return [
        {
            "id": {"category": "Rule", "owner": "AWS", "provider": provider, "version": "1"},
            "settings": {},
            "ruleConfigurationProperties": [
                {
                    "name": name,
                    "required": required,
                    "key": True,
                    "secret": False,
                    "queryable": False,
                    "description": description,
                    "type": "String",
                }
                for name, required, description in properties
            ],
            "inputArtifactDetails": {"minimumCount": low, "maximumCount": high},
        }
        for provider, (properties, (low, high)) in _RULE_TYPES.items()
    ]
