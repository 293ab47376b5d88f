from pathlib import Path

from lakelight.index.keyword_index import KeywordIndex, query_terms


def test_terms_keep_ids_ips_and_drop_stopwords() -> None:
    assert query_terms("Which orders did CA-2016-152156 have from 194.117.26.69?") == [
        "orders",
        "CA-2016-152156",
        "194.117.26.69",
    ]


def test_exact_codes_and_ips_rank_first(tmp_path: Path) -> None:
    kw = KeywordIndex(tmp_path / "k.db")
    kw.apply(
        [
            (1, "sshd Failed password for root from 194.117.26.69 port 22"),
            (2, "sshd Failed password for root from 194.117.26.70 port 22"),
            (3, "order CA-2016-152156 chairs"),
            (4, "order CA-2016-152157 tables"),
        ],
        (),
        generation=1,
    )
    assert kw.search("194.117.26.69", 2)[0][0] == 1
    assert kw.search("what about CA-2016-152157", 1)[0][0] == 4
    assert kw.search("194.117.26.69", 5, allowed={2, 3}) == []
    assert kw.search('" OR ) NEAR(', 5) == []  # FTS syntax in a question is just text
    kw.apply((), [1], generation=2)
    assert 1 not in {v for v, _ in kw.search("194.117.26.69", 5)}
    assert kw.generation == 2 and kw.ids() == {2, 3, 4}
