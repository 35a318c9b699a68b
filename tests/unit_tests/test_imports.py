from langchain_toiotech import __all__

EXPECTED_ALL = ["ChatToiotech", "ToiotechEmbeddings", "__version__"]


def test_all_imports() -> None:
    assert sorted(EXPECTED_ALL) == sorted(__all__)
