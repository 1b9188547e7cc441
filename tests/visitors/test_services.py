from tertulia.visitors.services import visitor_create


def test_visitors_are_numbered_per_workspace(workspace, other_owner, make_visitor):
    first = make_visitor()
    second = make_visitor()
    elsewhere = make_visitor(in_workspace=other_owner.workspace)
    assert (first.number, second.number, elsewhere.number) == (1, 2, 1)
    assert str(first.display_name) == "Visitor #1"


def test_visitor_create_fills_search_columns(workspace, bot):
    visitor = visitor_create(
        workspace=workspace,
        bot=bot,
        name="José Núñez",
        email="JOSE@Example.com",
        phone="+34 612-34-56-78",
    )
    assert visitor.phone_digits == "34612345678"
    assert "jose nunez" in visitor.search_text
    assert "jose@example.com" in visitor.search_text
