"""Webhooks: PutWebhook, ListWebhooks, DeleteWebhook and (De)RegisterWebhookWithThirdParty.

A webhook names a pipeline's source action and carries its filters and authentication; it
has an ARN (``arn:aws:codepipeline:<region>:<account>:webhook:<name>``), a URL and tags
(TagResource, UntagResource and ListTagsForResource take its ARN). The store is the backend's
(one per account and region) and every call runs under the backend's lock.
"""

from __future__ import annotations

import base64
import datetime
import ipaddress
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from moto.moto_api._internal import mock_random

from moto_approvals.catalog import check_tags, sorted_tags
from moto_approvals.domain import Declaration
from moto_approvals.exceptions import (
    InvalidWebhookAuthenticationParametersException,
    InvalidWebhookFilterPatternException,
    ValidationException,
    WebhookNotFoundException,
)
from moto_approvals.wire import timestamp

if TYPE_CHECKING:
    from moto_approvals.models import ApprovalsBackend

Json = dict[str, Any]

WEBHOOK_RESOURCE = "webhook:"
#: How ListWebhooks shows a secret token (the API reference: "it will be redacted").
REDACTED = "<REDACTED>"
#: One step of a JsonPath: ``.name``, ``..name``, ``.*``, ``['name']``, ``[0]``, ``[*]``.
_JSON_PATH_STEP = r"(?:\.\.?(?:[A-Za-z0-9_\-]+|\*)|\[(?:'[^']*'|\"[^\"]*\"|\d+|\*)\])"
_JSON_PATH = re.compile(rf"\$(?:{_JSON_PATH_STEP})*")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
#: Which authenticationConfiguration member each authentication type takes (and only it).
_AUTH_MEMBER = {"GITHUB_HMAC": "SecretToken", "IP": "AllowedIPRange", "UNAUTHENTICATED": None}


@dataclass
class Webhook:
    """One webhook: its definition as given, where it lives, and its tags."""

    definition: Declaration
    arn: str
    url: str
    tags: dict[str, str] = field(default_factory=dict)
    registered_with_third_party: bool = False
    last_triggered: datetime.datetime | None = None

    @property
    def name(self) -> str:
        return str(self.definition["name"])

    def sorted_tags(self) -> list[dict[str, str]]:
        return sorted_tags(self)


def is_webhook_arn(arn: str) -> bool:
    parts = arn.split(":", 5)
    return len(parts) == 6 and parts[5].startswith(WEBHOOK_RESOURCE)


def _check_filters(definition: Declaration, configuration: dict[str, Any]) -> None:
    for index, rule in enumerate(definition["filters"], start=1):
        path = rule["jsonPath"]
        if not _JSON_PATH.fullmatch(path):
            raise InvalidWebhookFilterPatternException(
                f"Filter {index}: jsonPath '{path}' is not a JsonPath expression; write it as "
                "'$' followed by members, such as '$.ref'."
            )
        for key in _PLACEHOLDER.findall(rule.get("matchEquals") or ""):
            if key not in configuration:
                raise InvalidWebhookFilterPatternException(
                    f"Filter {index}: matchEquals refers to '{{{key}}}', which is not a "
                    f"configuration property of action '{definition['targetAction']}'."
                )


def _check_authentication(definition: Declaration) -> None:
    kind = definition["authentication"]
    given = {k for k, v in (definition["authenticationConfiguration"] or {}).items() if v}
    wanted = _AUTH_MEMBER[kind]
    if given != ({wanted} if wanted else set()):
        expected = f"only {wanted}" if wanted else "no properties"
        raise InvalidWebhookAuthenticationParametersException(
            f"Authentication {kind} takes {expected} in authenticationConfiguration; got "
            f"{', '.join(sorted(given)) or 'none'}."
        )
    if kind == "IP":
        allowed = definition["authenticationConfiguration"]["AllowedIPRange"]
        try:
            ipaddress.ip_network(allowed, strict=False)
        except ValueError:
            raise InvalidWebhookAuthenticationParametersException(
                f"AllowedIPRange '{allowed}' is not a CIDR range such as '10.0.0.0/24'."
            ) from None


def _new_url(region: str) -> str:
    # Shaped like AWS's (https://<region>.webhooks.aws/trigger?t=<opaque>&v=1); moto's random
    # source, so /moto-api/seed makes it reproducible.
    token = base64.urlsafe_b64encode(mock_random.get_random_hex(48).encode()).decode()
    return f"https://{region}.webhooks.aws/trigger?t={token.rstrip('=')}&v=1"


class Webhooks:
    """The webhooks of one account and region, by name."""

    def __init__(self, backend: ApprovalsBackend) -> None:
        self._backend = backend
        self.records: dict[str, Webhook] = {}

    def arn(self, name: str) -> str:
        return self._backend.catalog.arn(WEBHOOK_RESOURCE + name)

    def _target_configuration(self, definition: Declaration) -> dict[str, Any]:
        """The target action's configuration; it must be a source action of the pipeline."""
        record = self._backend.catalog.get(definition["targetPipeline"])
        first = record.current["stages"][0]
        target = definition["targetAction"]
        action = next((a for a in first["actions"] if a["name"] == target), None)
        if action is None:
            raise ValidationException(
                f"Webhook target action '{definition['targetAction']}' is not an action of the "
                f"first (source) stage '{first['name']}' of pipeline "
                f"'{definition['targetPipeline']}'."
            )
        return dict(action.get("configuration") or {})

    def put(self, definition: Declaration, tags: list[dict[str, str]] | None) -> Webhook:
        """Create or replace a webhook; a replaced one keeps its URL, ARN and tags."""
        with self._backend.lock:
            configuration = self._target_configuration(definition)
            _check_filters(definition, configuration)
            _check_authentication(definition)
            name = definition["name"]
            existing = self.records.get(name)
            arn = self.arn(name)
            check_tags(tags or [], arn, existing.tags if existing else {})
            webhook = existing or Webhook(definition, arn, _new_url(self._backend.region_name))
            webhook.definition = definition
            webhook.tags.update({tag["key"]: tag["value"] for tag in tags or []})
            self.records[name] = webhook
            return webhook

    def listed(self) -> list[Webhook]:
        with self._backend.lock:
            return [self.records[name] for name in sorted(self.records)]

    def delete(self, name: str) -> None:
        # DeleteWebhook "returns successfully when trying to delete a webhook that is already
        # deleted" (API reference).
        with self._backend.lock:
            self.records.pop(name, None)

    def get(self, name: str | None) -> Webhook:
        webhook = self.records.get(name or "")
        if webhook is None:
            raise WebhookNotFoundException()
        return webhook

    def set_registered(self, name: str | None, registered: bool) -> None:
        with self._backend.lock:
            self.get(name).registered_with_third_party = registered

    # -- tags ------------------------------------------------------------------------------

    def by_arn(self, arn: str) -> Webhook:
        catalog = self._backend.catalog
        return catalog.resource_by_arn(arn, self.records, "webhook", WEBHOOK_RESOURCE)


def webhook_item(webhook: Webhook) -> Json:
    """A ListWebhookItem (PutWebhook's ``webhook``, each of ListWebhooks'): the secret redacted."""
    definition = dict(webhook.definition)
    configuration = dict(definition.get("authenticationConfiguration") or {})
    if configuration.get("SecretToken"):
        configuration["SecretToken"] = REDACTED
    definition["authenticationConfiguration"] = configuration
    item: Json = {"definition": definition, "url": webhook.url, "arn": webhook.arn}
    if webhook.last_triggered is not None:
        item["lastTriggered"] = timestamp(webhook.last_triggered)
    if webhook.tags:
        item["tags"] = webhook.sorted_tags()
    return item
