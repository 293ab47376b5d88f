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


def test_allowed_rows_are_filtered_inside_the_query_not_after_the_top_k(tmp_path: Path) -> None:
    """A caller's one readable row ranks below 2,000 others: the filter must not starve it."""
    kw = KeywordIndex(tmp_path / "k.db")
    rows = [(vid, "chair chair chair office") for vid in range(1, 2001)]
    rows.append((5000, "chair " + "words that dilute the term " * 20))
    kw.apply(rows, (), generation=1)
    assert 5000 not in {v for v, _ in kw.search("chair", 1500)}  # it really ranks last
    assert [v for v, _ in kw.search("chair", 5, allowed={5000, 9999})] == [5000]
    assert kw.search("chair", 5, allowed=set()) == []  # nothing readable: nothing, not all
    assert len(kw.search("chair", 3, allowed=set(range(1, 11)))) == 3
    assert len(kw.search("chair", 3, allowed=list(range(1, 11)))) == 3  # the same table reused
    assert len(kw._filters) == 2
