"""The initiatives list's owner filter: a typed name (resolved on the server without JavaScript,
or picked from the people typeahead), never a dropdown of everyone."""

from __future__ import annotations

import re

import pytest

from teams_app.initiatives import services
from tests.conftest import login
from tests.factories import DepartmentFactory, UserFactory, make_team


@pytest.fixture
def owners(staff):
    """A team with one initiative owned by each of Sam Staff, Mo Member and Ria Reader."""
    mo, ria = UserFactory(name="Mo Member"), UserFactory(name="Ria Reader")
    team = make_team(staff, name="Desk Team", members=(mo, ria))
    for owner, title in ((staff, "Sam's work"), (mo, "Mo's work"), (ria, "Ria's work")):
        services.create_initiative(staff, team, services.Details(title=title, owner_id=owner.id))
    return {"sam": staff, "mo": mo, "ria": ria}


def _owner_field(html: str) -> tuple[str, str]:
    """The typed name and the hidden owner id, as the page renders them."""
    name = re.search(r'id="owner-name" name="owner_name" value="([^"]*)"', html)
    owner = re.search(r'type="hidden" name="owner" value="([^"]*)"', html)
    assert name and owner, "the owner filter is missing"
    return name.group(1), owner.group(1)


def test_the_page_offers_a_typed_owner_field_not_a_dropdown_of_everyone(client, owners):
    login(client, owners["sam"])
    html = client.get("/initiatives/").get_data(as_text=True)
    assert '<select class="form-select" id="owner"' not in html
    assert 'list="owner-options"' in html and "Ria Reader" not in html.split("<table")[0]
    assert 'src="/static/js/typeahead.js"' in html


def test_a_typed_name_filters_by_that_owner_and_stays_in_the_form(client, owners):
    login(client, owners["sam"])
    html = client.get("/initiatives/?owner_name=mo+member").get_data(as_text=True)
    assert "Mo&#39;s work" in html and "Sam&#39;s work" not in html and "Ria&#39;s work" not in html
    assert _owner_field(html) == ("mo member", str(owners["mo"].id))


def test_me_filters_by_the_signed_in_person(client, owners):
    login(client, owners["sam"])
    html = client.get("/initiatives/?owner_name=me").get_data(as_text=True)
    assert "Sam&#39;s work" in html and "Mo&#39;s work" not in html


def test_a_picked_owner_id_wins_while_its_name_is_unchanged(client, owners):
    twin = UserFactory(name="Mo Member")  # two people share the name: the id says which
    login(client, owners["sam"])
    url = f"/initiatives/?owner={owners['mo'].id}&owner_name=Mo+Member"
    html = client.get(url).get_data(as_text=True)
    assert "Mo&#39;s work" in html and "Sam&#39;s work" not in html
    assert _owner_field(html) == ("Mo Member", str(owners["mo"].id))
    assert twin.id != owners["mo"].id


def test_a_changed_name_replaces_the_picked_owner(client, owners):
    login(client, owners["sam"])
    url = f"/initiatives/?owner={owners['mo'].id}&owner_name=Ria+Reader"
    html = client.get(url).get_data(as_text=True)
    assert "Ria&#39;s work" in html and "Mo&#39;s work" not in html
    assert _owner_field(html) == ("Ria Reader", str(owners["ria"].id))


def test_an_unknown_or_shared_name_says_so_and_filters_nothing(client, owners):
    UserFactory(name="Ria Reader")
    login(client, owners["sam"])
    unknown = client.get("/initiatives/?owner_name=Nobody+Here").get_data(as_text=True)
    assert "Nobody called Nobody Here was found." in unknown
    assert "Mo&#39;s work" in unknown and "Sam&#39;s work" in unknown
    shared = client.get("/initiatives/?owner_name=Ria+Reader").get_data(as_text=True)
    assert "More than one person is called Ria Reader" in shared
    assert 'aria-describedby="owner-hint owner-problem"' in shared


def test_an_email_names_its_owner_only_for_those_who_may_see_addresses(app, client, owners, admin):
    email = owners["ria"].email
    login(client, owners["sam"])
    hidden = client.get(f"/initiatives/?owner_name={email}").get_data(as_text=True)
    assert f"Nobody called {email} was found." in hidden
    admins = app.test_client()
    login(admins, admin)
    shown = admins.get(f"/initiatives/?owner_name={email}").get_data(as_text=True)
    assert "Ria&#39;s work" in shown and "Mo&#39;s work" not in shown


def test_people_search_returns_matching_people_by_name(client, owners):
    UserFactory(name="Former Reader", active=False)
    UserFactory(name="Pending Reader", password_hash=None)
    login(client, owners["sam"])
    found = client.get("/people/search?q=reader").get_json()
    assert [p["name"] for p in found] == ["Ria Reader"]
    assert set(found[0]) == {"id", "name", "department", "label"}  # no addresses
    assert found[0]["id"] == owners["ria"].id


def test_people_search_is_limited(client, staff):
    for i in range(25):
        UserFactory(name=f"Lim Person {i:02d}")
    login(client, staff)
    assert len(client.get("/people/search?q=lim+person").get_json()) == 10
    assert len(client.get("/people/search?q=lim+person&limit=3").get_json()) == 3
    assert len(client.get("/people/search?q=lim+person&limit=500").get_json()) == 20
    assert client.get("/people/search?q=").get_json() == []


def test_people_search_needs_a_signed_in_person(client, owners):
    response = client.get("/people/search?q=reader")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_people_search_labels_tell_people_of_one_name_apart(client, owners):
    ria = owners["ria"]
    other_branch = UserFactory(name="Ria Reader")
    same_branch = UserFactory(name="Ria Reader", department=ria.department)
    login(client, owners["sam"])
    found = {p["id"]: p["label"] for p in client.get("/people/search?q=ria+reader").get_json()}
    assert len(set(found.values())) == 3
    assert found[other_branch.id] == f"Ria Reader · {other_branch.department.name}"
    assert found[ria.id] == f"Ria Reader · {ria.department.name} · #{ria.id}"
    assert found[same_branch.id] == f"Ria Reader · {ria.department.name} · #{same_branch.id}"


def test_a_typed_label_names_its_person_without_javascript(client, owners):
    ria, mo = owners["ria"], owners["mo"]
    UserFactory(name="Ria Reader")  # shares the name, not the branch
    twin = UserFactory(name="Ria Reader", department=ria.department)
    login(client, owners["sam"])

    def owner_filter(typed: str) -> str:
        return client.get("/initiatives/", query_string={"owner_name": typed}).get_data(
            as_text=True
        )

    html = owner_filter(f"Ria Reader · {ria.department.name} · #{ria.id}")
    assert "Ria&#39;s work" in html and "Sam&#39;s work" not in html
    assert _owner_field(html)[1] == str(ria.id)
    assert _owner_field(owner_filter(f"ria reader · #{twin.id}"))[1] == str(twin.id)
    assert "Nobody called Mo Member · #" in owner_filter(f"Mo Member · #{ria.id}")
    assert _owner_field(owner_filter(f"mo member · {mo.department.name}"))[1] == str(mo.id)
    shared = owner_filter(f"Ria Reader · {ria.department.name}")
    assert "More than one person is called Ria Reader" in shared


def test_a_shared_name_offers_each_person_by_label_to_pick_from(client, owners):
    twin = UserFactory(name="Ria Reader")
    login(client, owners["sam"])
    html = client.get("/initiatives/?owner_name=Ria+Reader").get_data(as_text=True)
    options = dict(re.findall(r'<option value="([^"]*)" data-id="(\d+)">', html))
    assert options == {
        f"Ria Reader · {owners['ria'].department.name}": str(owners["ria"].id),
        f"Ria Reader · {twin.department.name}": str(twin.id),
    }
    picked = {"owner": twin.id, "owner_name": f"Ria Reader · {twin.department.name}"}
    html = client.get("/initiatives/", query_string=picked).get_data(as_text=True)
    assert "Ria&#39;s work" not in html and "More than one" not in html
    assert _owner_field(html)[1] == str(twin.id)


@pytest.mark.parametrize("hidden", [{"active": False}, {"password_hash": None}])
def test_an_owner_id_names_only_people_the_directory_shows(client, owners, hidden):
    other = UserFactory(name="Quiet Person", **hidden)
    login(client, owners["sam"])
    html = client.get(f"/initiatives/?owner={other.id}").get_data(as_text=True)
    assert "Quiet Person" not in html
    assert _owner_field(html) == ("", "")


@pytest.mark.parametrize("typed", ["%", "_", "\\"])
def test_people_search_takes_wildcards_literally(client, owners, typed):
    UserFactory(name="Per_Cent 100%", department=DepartmentFactory())
    login(client, owners["sam"])
    found = [p["name"] for p in client.get("/people/search", query_string={"q": typed}).get_json()]
    assert found == ([] if typed == "\\" else ["Per_Cent 100%"])
