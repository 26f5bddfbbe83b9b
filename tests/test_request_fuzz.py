"""Generated requests to every CodePipeline operation: nothing reaches a 500 or escapes.

Hypothesis draws, for each operation in botocore's model, bodies built from the input shape
(valid values, boundary values, nulls, wrong types, unknown members, huge strings, deep JSON,
values of the pipeline under test) and raw bodies (bad JSON, deep JSON, not UTF-8, UTF-16,
gzip, NaN, huge numbers). They are sent in-process (raw ``requests`` caught by moto's mock,
and boto3 with parameter validation off) and over HTTP to a moto server on 127.0.0.1.

Every answer must be JSON 1.1: below 500 (or 501 ``NotImplemented`` for an operation the
emulator does not serve), an object with ``__type`` and a short ``message`` on errors, and a
body that matches the operation's output shape on success. The suite runs a short campaign;
``REQUEST_FUZZ_EXAMPLES=300 pytest -s tests/test_request_fuzz.py`` runs a long one and prints
what it sent.
"""

from __future__ import annotations

import base64
import collections
import gzip
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
import requests
from botocore import xform_name
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.model import Shape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pipelines import REGION, TRUST_POLICY, Client, approval_token, declaration
from test_http import AWS_URL, JSON_11, PREFIX, _signed

from moto_approvals import mock_approvals
from moto_approvals.validation import output_violations, service_model

EXAMPLES = int(os.environ.get("REQUEST_FUZZ_EXAMPLES", "5"))
LONG_RUN = "REQUEST_FUZZ_EXAMPLES" in os.environ
#: Count failures by kind instead of stopping at the first (to measure a campaign).
KEEP_GOING = os.environ.get("REQUEST_FUZZ_KEEP_GOING") == "1"
#: A string this long is "huge"; the long run also sends bodies past the 10 MiB limit.
HUGE = 11 * 1024 * 1024 if LONG_RUN else 64 * 1024
#: An error message longer than this echoes too much of the request.
MESSAGE_LIMIT = 16 * 1024

OPERATIONS = sorted(service_model().operation_names)
#: What the long run sent and got, by kind: printed at the end of the module.
TALLY: collections.Counter[str] = collections.Counter()

Json = dict[str, Any]
Draw = Callable[[st.SearchStrategy[Any]], Any]


def deep(depth: int, opener: str = "[") -> str:
    """JSON nested ``depth`` deep: arrays, or objects with one member each."""
    if opener == "[":
        return "[" * depth + "1" + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


# A nextToken that fits the model's 2,048 characters and decodes to JSON nested 1,500 deep.
DEEP_TOKEN = base64.urlsafe_b64encode(b"[" * 1500).decode()[:2048]

RAW_BODIES: list[tuple[str, bytes, dict[str, str]]] = [
    ("bad-json", b"{not json", {}),
    ("truncated", b'{"name": "rel', {}),
    ("empty", b"", {}),
    ("json-null", b"null", {}),
    ("json-array", b"[]", {}),
    ("deep-array", deep(5000).encode(), {}),
    ("deep-object", deep(5000, "{").encode(), {}),
    ("not-utf8", b'{"name": "\xff\xfe"}', {}),
    ("utf16", '{"name": "release"}'.encode("utf-16"), {}),
    ("utf8-bom", b'\xef\xbb\xbf{"name": "release"}', {}),
    ("nan", b'{"name": "release", "maxResults": NaN}', {}),
    ("huge-int", b'{"maxResults": 1' + b"0" * 5000 + b"}", {}),
    ("lone-surrogate", b'{"name": "\\ud800"}', {}),
    ("gzip", gzip.compress(b'{"name": "release"}'), {"Content-Encoding": "gzip"}),
    ("bad-gzip", b"\x1f\x8bnot gzip", {"Content-Encoding": "gzip"}),
    (
        "gzip-bomb",
        gzip.compress(b"{" + b" " * (11 * 1024 * 1024) + b"}"),
        {"Content-Encoding": "gzip"},
    ),
    ("xml", b"<xml/>", {"Content-Type": "application/xml"}),
]


@dataclass(repr=False)
class Known:
    """Values of the pipeline under test, so generated requests reach past lookups."""

    by_shape: dict[str, list[Any]] = field(default_factory=dict)

    def add(self, shape_name: str, *values: Any) -> None:
        self.by_shape.setdefault(shape_name, []).extend(values)


def draw_value(draw: Draw, shape: Shape, known: Known, depth: int = 0) -> Any:
    """A value for ``shape``: mostly well-formed, sometimes past a limit, sometimes hostile."""
    flavour = draw(st.sampled_from(["valid"] * 6 + ["known"] * 3 + ["edge", "hostile"]))
    if flavour == "known" and shape.name in known.by_shape:
        return draw(st.sampled_from(known.by_shape[shape.name]))
    if flavour == "hostile":
        return draw(hostile_values())
    kind, meta = shape.type_name, shape.metadata
    if kind == "structure":
        result: Json = {}
        for name, member in shape.members.items():
            if name in shape.required_members or (depth < 4 and draw(st.booleans())):
                result[name] = draw_value(draw, member, known, depth + 1)
        if flavour == "edge":
            result[draw(st.sampled_from(["unknownMember", "__type", "Name"]))] = draw(json_values())
        return result
    if kind in ("list", "map"):
        low = meta.get("min", 0)
        high = low + (0 if depth >= 4 else 2)
        if flavour == "edge":
            high = min(meta.get("max", low + 3) + 1, 60)
        size = draw(st.integers(low, max(low, high)))
        if kind == "list":
            return [draw_value(draw, shape.member, known, depth + 1) for _ in range(size)]
        return {
            str(draw_value(draw, shape.key, known, depth + 1)): draw_value(
                draw, shape.value, known, depth + 1
            )
            for _ in range(size)
        }
    if kind == "string":
        if shape.enum:
            return draw(st.sampled_from([*shape.enum, "NotAnEnumValue"]))
        low, high = meta.get("min", 0), meta.get("max", 64)
        if flavour == "edge":
            length = draw(st.sampled_from([low, max(low - 1, 0), high, high + 1]))
            return draw(st.sampled_from(["a", "é", " ", "-"])) * length
        return draw(st.text(min_size=low, max_size=min(high, 40)))
    if kind in ("integer", "long"):
        low, high = meta.get("min", -(2**31)), meta.get("max", 2**31 - 1)
        if flavour == "edge":
            return draw(st.sampled_from([low - 1, low, high, high + 1, 2**63, -(2**63) - 1]))
        return draw(st.integers(low, high))
    if kind == "boolean":
        return draw(st.booleans())
    if kind == "timestamp":
        return draw(st.one_of(st.floats(0, 2e9), st.just("2026-01-05T09:00:00Z"), st.text()))
    return draw(json_values())


def json_values() -> st.SearchStrategy[Any]:
    scalars = st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text()
    )
    return st.recursive(
        scalars, lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner), max_leaves=8
    )


def hostile_values() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(),
        json_values(),
        st.just("x" * HUGE),
        st.just(DEEP_TOKEN),
        st.just([None]),
        st.just({"k": None}),
        st.just(json.loads(deep(200))),
        st.just(10**30),
        st.just(-1),
    )


@dataclass(repr=False)
class Target:
    """Where requests go: in-process through moto's mock, or a server on 127.0.0.1."""

    url: str
    server: bool
    known: Known
    client: Client
    role_arn: str
    #: Set once botocore has built a request: an exception before that is botocore's own.
    sent: list[bool] = field(default_factory=list)

    def __repr__(self) -> str:
        return f"Target({self.url!r})"

    def raw(self, operation: str, body: bytes, extra: dict[str, str]) -> requests.Response:
        headers = {"Content-Type": JSON_11, "X-Amz-Target": PREFIX + operation, **extra}
        if self.server:
            headers = _signed(self.url, body.decode("latin-1"), headers)
        return requests.post(self.url, headers=headers, data=body, timeout=60)


def check_answer(operation: str, status: int, headers: Any, body: bytes) -> None:
    """The invariants every answer holds, whatever was asked."""
    TALLY[f"status {status}"] += 1
    assert headers.get("Content-Type") == JSON_11, (operation, status, headers)
    reply = json.loads(body or b"{}")
    assert isinstance(reply, dict), (operation, status, body[:300])
    if status >= 300:
        assert isinstance(reply.get("__type"), str), (operation, status, body[:300])
        assert isinstance(reply.get("message"), str), (operation, status, body[:300])
        assert len(reply["message"]) < MESSAGE_LIMIT, (operation, reply["__type"])
        TALLY[f"{status} {reply['__type']}"] += 1
        assert status < 500 or (status, reply["__type"]) == (501, "NotImplemented"), (
            operation,
            status,
            reply,
        )
    else:
        violations = output_violations(operation, reply)
        assert not violations, (operation, violations)


def boto3_client(endpoint: str | None) -> Client:
    """Parameter validation off, no retries: what is sent and answered, as it is."""
    config = Config(parameter_validation=False, retries={"total_max_attempts": 1})
    client = aws_client("codepipeline", endpoint, config=config)

    def on_parse(response_dict: Json, operation_model: Any, **_: Any) -> None:
        raw = response_dict["body"]
        check_answer(
            operation_model.name, response_dict["status_code"], response_dict["headers"], raw
        )

    client.meta.events.register("before-parse.codepipeline.*", on_parse)
    return client


def aws_client(service: str, endpoint: str | None, **kwargs: Any) -> Client:
    # Credentials given here: a module-scoped fixture runs before conftest's environment.
    return boto3.client(
        service,
        region_name=REGION,
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        **kwargs,
    )


def sent_by(client: Client) -> list[bool]:
    """A flag list that botocore appends to once it has built a request to send."""
    sent: list[bool] = []
    client.meta.events.register("request-created.codepipeline.*", lambda **_: sent.append(True))
    return sent


def seed(target: Target) -> None:
    """A pipeline waiting at its approval, and the values that name its parts."""
    client = target.client
    if client.list_pipelines()["pipelines"]:
        return  # still there (a fuzzed DeletePipeline may have removed it)
    pipeline = declaration(target.role_arn)
    created = client.create_pipeline(pipeline=pipeline)
    arn = client.get_pipeline(name="release")["metadata"]["pipelineArn"]
    runs = client.list_pipeline_executions(pipelineName="release")
    known = target.known
    known.by_shape.clear()
    known.add("PipelineName", "release")
    known.add("StageName", "Source", "Approve", "Deploy")
    known.add("ActionName", "ManualApproval")
    known.add("ApprovalToken", approval_token(client))
    known.add("PipelineExecutionId", runs["pipelineExecutionSummaries"][0]["pipelineExecutionId"])
    known.add("ResourceArn", arn)
    known.add("PipelineDeclaration", created["pipeline"])
    known.add("NextToken", DEEP_TOKEN)


def role(iam: Client) -> str:
    created = iam.create_role(RoleName="fuzz", AssumeRolePolicyDocument=json.dumps(TRUST_POLICY))
    return str(created["Role"]["Arn"])


@pytest.fixture(scope="module", params=["in_process", "server"])
def target(request: pytest.FixtureRequest) -> Iterator[Target]:
    """One emulator per mode for the module; each test finds the pipeline under test there."""
    if request.param == "in_process":
        with mock_approvals():
            client = boto3_client(None)
            arn = role(aws_client("iam", None))
            yield Target(AWS_URL, False, Known(), client, arn, sent_by(client))
        return
    url = request.getfixturevalue("moto_server")
    requests.post(f"{url}/moto-api/reset", timeout=10)
    client = boto3_client(url)
    arn = role(aws_client("iam", url))
    yield Target(f"{url}/", True, Known(), client, arn, sent_by(client))
    requests.post(f"{url}/moto-api/reset", timeout=10)


@pytest.fixture(scope="module", autouse=True)
def report() -> Iterator[None]:
    yield
    if LONG_RUN:
        print(f"\nrequest fuzz: {TALLY['requests']} requests")
        for key, count in sorted(TALLY.items()):
            print(f"  {key}: {count}")


@pytest.mark.parametrize("operation", OPERATIONS)
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_request_gets_a_modeled_json_answer(
    target: Target, operation: str, data: st.DataObject
) -> None:
    seed(target)
    shape = service_model().operation_model(operation).input_shape
    params = draw_value(data.draw, shape, target.known) if shape is not None else {}
    if not isinstance(params, dict):  # a hostile top-level value: send it raw
        params = {"value": params}
    how = data.draw(st.sampled_from(["boto3", "json", "raw"]))
    TALLY["requests"] += 1
    TALLY[f"via {how}"] += 1
    try:
        send(target, operation, params, how, data)
    except Exception as error:
        if not KEEP_GOING:
            raise
        kind = "answer breaks an invariant" if isinstance(error, AssertionError) else "escaped"
        TALLY[f"FAILED {kind}: {operation} via {how}: {type(error).__name__}"] += 1


def send(target: Target, operation: str, params: Json, how: str, data: st.DataObject) -> None:
    if how == "boto3":
        target.sent.clear()
        try:
            getattr(target.client, xform_name(operation))(**params)
        except ClientError:
            pass  # its answer was checked before botocore parsed it
        except Exception:
            if target.sent:
                raise  # escaped from the emulator
            # botocore could not serialize what its validation would have refused.
            TALLY["not serializable by botocore"] += 1
        return
    extra: dict[str, str] = {}
    if how == "json":
        body = json.dumps(params).encode()
    else:
        _, body, extra = data.draw(st.sampled_from(RAW_BODIES))
    response = target.raw(operation, body, extra)
    check_answer(operation, response.status_code, response.headers, response.content)
