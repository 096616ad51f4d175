"""Pages link to where the platform is mounted, whatever page was built before (templates reuse built links)."""

from __future__ import annotations

from questionnaire.models import OrganisationKind


def test_links_follow_the_mount_point_of_each_request(app, make_user, login):
    user = make_user(kind=OrganisationKind.SUPPLIER)
    client = app.test_client()
    login(client, user)
    plain = client.get("/dashboard").get_data(as_text=True)
    assert 'href="/static/css/app.css"' in plain
    assert 'href="/rounds/"' in plain or 'href="/rounds"' in plain
    for root in ("/dialogue", "/other"):
        page = client.get("/dashboard", environ_overrides={"SCRIPT_NAME": root}).get_data(as_text=True)
        assert f'href="{root}/static/css/app.css"' in page
        assert f'action="{root}/logout"' in page
        assert 'href="/static/css/app.css"' not in page
    assert 'href="/static/css/app.css"' in client.get("/dashboard").get_data(as_text=True)
