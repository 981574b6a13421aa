"""GET /health, the demo page and the widget files."""
from __future__ import annotations

from hub_stubs import RasaStub, closed_port_url


def test_health_ok_when_everything_answers(client, rasa):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "rasa": "ok", "actions": "ok"}}
    assert "/" in rasa.gets and "/health" in rasa.gets


def test_health_degraded_when_rasa_and_actions_are_down(make_client, settings):
    client = make_client(settings, rasa_url=closed_port_url(), actions_url=closed_port_url())
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "degraded",
                               "checks": {"database": "ok", "rasa": "down", "actions": "down"}}


def test_health_degraded_when_only_actions_are_down(make_client, settings):
    client = make_client(settings, actions_url=closed_port_url())
    body = client.get("/health").json()
    assert body["status"] == "degraded"
    assert body["checks"] == {"database": "ok", "rasa": "ok", "actions": "down"}


def test_health_says_down_with_503_when_the_database_fails(client, monkeypatch):
    def broken_ping():
        raise RuntimeError("database is gone")

    monkeypatch.setattr(client.app.state.hub.store, "ping", broken_ping)
    response = client.get("/health")
    assert response.status_code == 503
    assert response.json()["status"] == "down"
    assert response.json()["checks"]["database"] == "down"


def test_root_redirects_to_demo(client):
    response = client.get("/", follow_redirects=False)
    assert response.status_code in (302, 307)
    assert response.headers["location"] == "/demo/"
    assert client.get("/demo", follow_redirects=False).headers["location"] == "/demo/"


def test_demo_page_embeds_the_widget(client):
    response = client.get("/demo/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert "Larkspur &amp; Co" in html
    assert 'window.CarebotConfig = {hubUrl: location.origin, brand: "Larkspur & Co", color: "#2f5d50"' in html
    assert html.count('<script src="/widget/widget.js"') == 1


def test_widget_files_are_served(client):
    js = client.get("/widget/widget.js")
    assert js.status_code == 200
    assert "javascript" in js.headers["content-type"]
    assert "textContent" in js.text
    assert "innerHTML" not in js.text  # message content is never parsed as HTML
    css = client.get("/widget/widget.css")
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    assert client.get("/widget/nope.js").status_code == 404


def test_dashboard_is_served_at_dashboard(client):
    assert client.get("/dashboard", follow_redirects=False).headers["location"] == "/dashboard/"
    page = client.get("/dashboard/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<script src="dashboard.js"' in page.text and 'href="/console/console.css"' in page.text
    js = client.get("/dashboard/dashboard.js")
    assert js.status_code == 200 and "/api/supervisor/kpis" in js.text
    assert "innerHTML" not in js.text  # data is never parsed as HTML
    assert "http://" not in js.text.replace("http://www.w3.org/2000/svg", "")  # nothing from the internet
    assert client.get("/dashboard/dashboard.css").headers["content-type"].startswith("text/css")


def test_separate_apps_do_not_share_state(make_client, settings, tmp_path):
    other = RasaStub().start()
    try:
        first = make_client(settings)
        second = make_client(settings, hub_db_url=f"sqlite:///{tmp_path / 'other.db'}", rasa_url=other.url)
        conversation = first.post("/api/conversations").json()["conversation_id"]
        assert second.get(f"/api/conversations/{conversation}/messages").status_code == 404
    finally:
        other.stop()


def test_security_headers(client):
    for path in ("/console/", "/dashboard/", "/staff/api.js"):
        response = client.get(path)
        assert response.status_code == 200, path
        csp = response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-eval" not in csp
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"
    widget = client.get("/widget/widget.js")
    assert widget.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in widget.headers  # it runs in the client's pages, under their policy
    assert client.get("/health").headers["referrer-policy"] == "strict-origin-when-cross-origin"
