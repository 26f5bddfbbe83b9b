"""The console in a real headless Chromium (the distribution's), driven by Playwright."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pipelines import (
    REGION,
    Client,
    approval_stage,
    approval_token,
    deploy_stage,
    reset_server,
    server_client,
    server_pipeline,
    source_stage,
)
from test_console_links import approval_message

from moto_approvals.server import running_server

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SCREENSHOT = Path(__file__).resolve().parents[1] / "docs" / "console.png"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="no chromium executable on PATH"),
]


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with running_server() as endpoint:
        yield endpoint


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


def _pipeline(url: str, name: str, custom_data: str | None = None) -> Client:
    reset_server(url)
    stages = [source_stage(), approval_stage(), deploy_stage()]
    if custom_data is not None:
        stages[1]["actions"][0]["configuration"] = {"CustomData": custom_data}
    return server_pipeline(url, name, stages=stages)


def _open(browser: Any, url: str, name: str) -> Any:
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    page.goto(f"{url}/approvals/#/123456789012/{REGION}/pipelines/{name}")
    page.wait_for_selector("[data-testid=approve]")
    return page


def test_approving_in_the_console_lets_the_execution_succeed(browser: Any, url: str) -> None:
    codepipeline = _pipeline(url, "release")
    page = _open(browser, url, "release")
    if not SCREENSHOT.exists() or os.environ.get("UPDATE_SCREENSHOT") == "1":
        SCREENSHOT.parent.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOT), full_page=True)

    page.fill("[data-testid=approval-summary]", "looks good")
    page.click("[data-testid=approve]")
    page.wait_for_selector("[data-testid=execution-status]:has-text('Succeeded')")

    runs = codepipeline.list_action_executions(pipelineName="release")["actionExecutionDetails"]
    approval = next(r for r in runs if r["actionName"] == "ManualApproval")
    assert approval["output"]["executionResult"]["externalExecutionSummary"] == "looks good"
    page.close()


def test_rejecting_in_the_console_fails_the_execution(browser: Any, url: str) -> None:
    _pipeline(url, "release")
    page = _open(browser, url, "release")

    page.click("[data-testid=reject]")
    page.wait_for_selector("[data-testid=execution-status]:has-text('Failed')")
    page.close()


def test_markup_in_custom_data_is_shown_as_text(browser: Any, url: str) -> None:
    # Pipeline names allow no '<'; CustomData, a free text, does.
    markup = "<script>document.title='owned'</script><b>bold</b>"
    _pipeline(url, "release", custom_data=markup)
    page = _open(browser, url, "release")

    assert page.locator("[data-testid=custom-data]").inner_text() == markup
    assert page.locator("script").count() == 1
    assert page.locator("b").count() == 0
    page.close()


def test_the_review_link_of_an_approval_message_opens_its_form(browser: Any) -> None:
    with running_server(console_links=True) as linked:
        review_link = approval_message(linked)["approval"]["approvalReviewLink"]
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        page.goto(review_link)
        summary = page.locator("[data-testid=action].focused [data-testid=approval-summary]")
        summary.wait_for()

        assert summary.evaluate("node => node === document.activeElement")
        page.keyboard.type("reviewed from the link")
        page.click("[data-testid=action].focused [data-testid=approve]")
        page.wait_for_selector("[data-testid=execution-status]:has-text('Succeeded')")
        page.close()


def test_a_review_link_to_an_answered_approval_says_so(browser: Any) -> None:
    with running_server(console_links=True) as linked:
        review_link = approval_message(linked)["approval"]["approvalReviewLink"]
        codepipeline = server_client(linked, "codepipeline")
        codepipeline.put_approval_result(
            pipelineName="release",
            stageName="Approve",
            actionName="ManualApproval",
            token=approval_token(codepipeline),
            result={"status": "Rejected", "summary": "no"},
        )
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        page.goto(review_link)

        assert "Approve/ManualApproval" in page.locator("[data-testid=focus-missing]").inner_text()
        assert page.locator("[data-testid=approve]").count() == 0
        page.close()
