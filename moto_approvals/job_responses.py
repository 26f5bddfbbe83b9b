"""The wire of the job operations: read the request, call the backend's jobs, reply.

Mixed into :class:`~moto_approvals.responses.ApprovalsCodePipelineResponse`, which provides the
validated input and the backend; the decisions are :mod:`moto_approvals.job_service`'s.
"""

from __future__ import annotations

from moto_approvals.responses_base import OperationResponses, reply


class JobResponses(OperationResponses):
    """PollForJobs and the rest of the job family, for Lambda, custom and third-party jobs."""

    # -- jobs: Custom actions (PollForJobs) and Lambda invoke actions -----------------------

    def poll_for_jobs(self) -> str:
        params = self._params()
        jobs = self.approvals_backend.jobs.poll_for_jobs(
            params["actionTypeId"], params.get("maxBatchSize"), params.get("queryParam")
        )
        return reply({"jobs": jobs})

    def acknowledge_job(self) -> str:
        params = self._params()
        status = self.approvals_backend.jobs.acknowledge_job(params["jobId"], params["nonce"])
        return reply({"status": status.value})

    def get_job_details(self) -> str:
        details = self.approvals_backend.jobs.get_job_details(self._params()["jobId"])
        return reply({"jobDetails": details})

    def put_job_success_result(self) -> str:
        params = self._params()
        self.approvals_backend.jobs.put_job_success_result(params["jobId"], params)
        return reply()

    def put_job_failure_result(self) -> str:
        params = self._params()
        self.approvals_backend.jobs.put_job_failure_result(
            params["jobId"], params["failureDetails"]
        )
        return reply()

    # -- jobs: ThirdParty actions ----------------------------------------------------------

    def poll_for_third_party_jobs(self) -> str:
        params = self._params()
        jobs = self.approvals_backend.jobs.poll_for_third_party_jobs(
            params["actionTypeId"], params.get("maxBatchSize")
        )
        return reply({"jobs": jobs})

    def acknowledge_third_party_job(self) -> str:
        params = self._params()
        status = self.approvals_backend.jobs.acknowledge_third_party_job(
            params["jobId"], params["nonce"], params["clientToken"]
        )
        return reply({"status": status.value})

    def get_third_party_job_details(self) -> str:
        params = self._params()
        details = self.approvals_backend.jobs.get_third_party_job_details(
            params["jobId"], params["clientToken"]
        )
        return reply({"jobDetails": details})

    def put_third_party_job_success_result(self) -> str:
        params = self._params()
        self.approvals_backend.jobs.put_third_party_job_success_result(
            params["jobId"], params["clientToken"], params
        )
        return reply()

    def put_third_party_job_failure_result(self) -> str:
        params = self._params()
        self.approvals_backend.jobs.put_third_party_job_failure_result(
            params["jobId"], params["clientToken"], params["failureDetails"]
        )
        return reply()
