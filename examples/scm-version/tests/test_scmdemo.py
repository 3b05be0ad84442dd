from scmdemo import installed_version, is_release


def test_the_version_comes_from_git() -> None:
    version = installed_version()
    assert version != "0.0.0"
    assert version[0].isdigit()


def test_is_release() -> None:
    assert is_release("1.4.0")
    assert not is_release("1.4.1.dev1+gabc")
