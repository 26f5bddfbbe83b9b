"""The wire of pipelines and their tags: CreatePipeline to ListPipelines, TagResource."""

from __future__ import annotations

from typing import Any

from moto_approvals import action_type_service, wire
from moto_approvals.pagination import paginate_sorted
from moto_approvals.responses_base import OperationResponses, reply, with_token

#: Page sizes when maxResults is not given (the model caps them at 1000 and 100).
LIST_PIPELINES_PAGE = 100
LIST_TAGS_PAGE = 100


class PipelineResponses(OperationResponses):
    """Pipeline declarations (their secrets hidden) and tags."""

    # -- pipelines -------------------------------------------------------------------------

    def create_pipeline(self) -> str:
        params = self._params()
        record = self.approvals_backend.create_pipeline(
            params["pipeline"], params.get("tags"), self._caller_arn()
        )
        return reply({"pipeline": self._shown(record.current), "tags": record.sorted_tags()})

    def update_pipeline(self) -> str:
        record = self.approvals_backend.update_pipeline(self._params()["pipeline"])
        return reply({"pipeline": self._shown(record.current)})

    def _shown(self, declaration: dict[str, Any]) -> dict[str, Any]:
        return action_type_service.hide_secrets(self.approvals_backend.action_types, declaration)

    def delete_pipeline(self) -> str:
        self.approvals_backend.delete_pipeline(self._params()["name"])
        return reply()

    def get_pipeline(self) -> str:
        params = self._params()
        record, declaration = self.approvals_backend.get_pipeline(
            params["name"], params.get("version")
        )
        return reply(
            {"pipeline": self._shown(declaration), "metadata": wire.pipeline_metadata(record)}
        )

    def list_pipelines(self) -> str:
        params = self._params()
        records = {r.name: r for r in self.approvals_backend.list_pipelines()}
        names, next_token = paginate_sorted(
            list(records), params.get("maxResults"), params.get("nextToken"), LIST_PIPELINES_PAGE
        )
        summaries = [wire.pipeline_summary(records[name]) for name in names]
        return reply(with_token({"pipelines": summaries}, next_token))

    # -- tags ------------------------------------------------------------------------------

    def tag_resource(self) -> str:
        params = self._params()
        self.approvals_backend.tag_resource(params["resourceArn"], params["tags"])
        return reply()

    def untag_resource(self) -> str:
        params = self._params()
        self.approvals_backend.untag_resource(params["resourceArn"], params["tagKeys"])
        return reply()

    def list_tags_for_resource(self) -> str:
        params = self._params()
        tags = {
            t["key"]: t
            for t in self.approvals_backend.list_tags_for_resource(params["resourceArn"])
        }
        keys, next_token = paginate_sorted(
            list(tags), params.get("maxResults"), params.get("nextToken"), LIST_TAGS_PAGE
        )
        return reply(with_token({"tags": [tags[key] for key in keys]}, next_token))
