"""What every socket reads the same way from its address."""

import pytest

from tertulia.core.sockets import spoken_version


@pytest.mark.parametrize(
    ("query", "version"),
    [
        (b"", 1),
        (b"token=abc&after=3", 1),
        (b"v=2", 2),
        (b"token=abc&v=3", 3),
        (b"v=2&v=1", 2),
        (b"v=", 1),
        (b"v=abc", 1),
        (b"v=-2", 1),
        (b"v=%C2%B2", 1),  # a superscript two
        (b"v=%ff", 1),
        (b"v=" + b"9" * 5_000, 1),
    ],
)
def test_the_protocol_version_a_socket_says_it_speaks(query, version):
    assert spoken_version({"query_string": query}) == version
    assert spoken_version({}) == 1
