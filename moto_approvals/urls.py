"""URL routing, mirroring ``moto.codepipeline.urls`` with the extended response class.

moto finds a backend's URL module by the backend's module name (``models`` → ``urls``);
:func:`moto_approvals.wiring.install` puts the same handler into moto's own table.
"""

from __future__ import annotations

from moto_approvals.responses import ApprovalsCodePipelineResponse

url_bases = [r"https?://codepipeline\.(.+)\.amazonaws\.com"]

url_paths = {"{0}/$": ApprovalsCodePipelineResponse.dispatch}
