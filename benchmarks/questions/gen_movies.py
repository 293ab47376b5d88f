"""heldout_movies: questions over bokeh-sampledata's movies.db and five fail2ban logs (HELD OUT).

``omdb`` holds one row per film (title, year, age rating, runtime, people, Metacritic score,
Oscars), ``tomatoes`` the same films' Rotten Tomatoes figures (Tomatometer, critic rating,
review counts, box office, studio) under the same ``ID``; no key is declared, and ``tomatoes``
has no title, so every question about a named film's reviews is a join. Names are mixed case
(``imdbID``, ``BoxOffice``, ``userMeter``); both tables have a ``Rating`` column that means
different things (the age rating, the critics' average).

Golds are SQL over the very file the workspace ingests (copied to a temporary folder); every
aggregate is computed a second time with pandas. A film is named by a title only one row has
(or a title and its year). Log golds come from the raw lines with this module's own regexes,
each count checked against a second pattern, as in ``gen_logs.py``. Record keys: ``ID`` for
both tables, ``<file>:<line>`` for logs.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from benchmarks.evalsets import MOVIES_DB, MOVIES_LOG_FILES, write_movies
from benchmarks.questions.gen_logs import IP, IPV4, Log
from benchmarks.questions.setkit import Db, QuestionSet, close, num, same, unique_top


def build() -> QuestionSet:
    with tempfile.TemporaryDirectory(prefix="lakelight-movies-") as tmp:
        path = Path(tmp) / MOVIES_DB
        write_movies(path)
        db = Db(path=path)
        try:
            qs = QuestionSet()
            _films(db, qs)
            _logs(qs)
            _unanswerable(db, qs)
            return qs
        finally:
            db.conn.close()


def _films(db: Db, qs: QuestionSet) -> None:
    omdb, rt = db.frame("omdb"), db.frame("tomatoes")
    both = omdb.merge(rt, on="ID", suffixes=("", "_rt"), validate="one_to_one")
    same(len(both), len(omdb), "every film has its tomatoes row")

    def film(title: str, year: int | None = None) -> int:
        """The omdb rowid of the only film with ``title`` (and ``year``)."""
        if year is None:
            return int(db.value("SELECT rowid FROM omdb WHERE Title = ?", title))
        return int(db.value("SELECT rowid FROM omdb WHERE Title = ? AND Year = ?", title, year))

    def get(table: str, column: str, rowid: int) -> Any:
        return db.value(f'SELECT "{column}" FROM "{table}" WHERE rowid = ?', rowid)

    def review(rowid: int) -> int:
        """The tomatoes rowid of an omdb row's film (matched by ID)."""
        return int(
            db.value(
                "SELECT t.rowid FROM omdb o JOIN tomatoes t ON t.ID = o.ID WHERE o.rowid = ?", rowid
            )
        )

    def lookup(question: str, answer: Any, rowid: int, **kw: Any) -> None:
        qs.add(
            "lookup",
            "lookup",
            question,
            str(answer),
            keys=[db.key("omdb", rowid)],
            table="omdb",
            **kw,
        )

    def join(question: str, answer: Any, rowid: int, route: str = "lookup", **kw: Any) -> None:
        keys = [db.key("omdb", rowid), db.key("tomatoes", review(rowid))]
        qs.add("join", route, question, str(answer), keys=keys, table="tomatoes", **kw)

    def whole(value: Any) -> str:
        """A count or sum stored as REAL (box office, minutes) written as an integer."""
        same(float(value).is_integer(), True, f"{value} is whole")
        return str(int(value))

    # --- lookups: one omdb row -----------------------------------------------------------------
    r = film("Chinatown")
    lookup("Who directed Chinatown?", get("omdb", "Director", r), r)
    r = film("The Godfather")
    lookup("How many minutes long is The Godfather?", whole(get("omdb", "Runtime", r)), r)
    r = film("The Dark Knight")
    lookup("What age rating does The Dark Knight have?", get("omdb", "Rating", r), r)
    r = film("Inception")
    lookup("When did Inception come out in theaters?", get("omdb", "Released", r), r)
    r = film("Goodfellas")
    lookup("What score did Metacritic give Goodfellas?", get("omdb", "Metacritic", r), r)
    r = film("Amadeus")
    lookup("How many Oscars did Amadeus win?", get("omdb", "Oscars", r), r)
    r = film("Amélie")  # typed without the accent, as most people type it
    lookup("What language is Amelie in?", get("omdb", "Language", r), r)
    imdb = "tt0110912"
    r = int(db.value("SELECT rowid FROM omdb WHERE imdbID = ?", imdb))
    lookup(f"Which film has the IMDb id {imdb}?", get("omdb", "Title", r), r)
    r = film("Casablanca")
    year = get("omdb", "Year", r)
    same(str(get("omdb", "Released", r))[:4], str(year), "Casablanca's year and release agree")
    lookup("What year did Casablanca come out?", year, r)
    r = film("Memento")
    lookup("Who wrote Memento?", get("omdb", "Writer", r), r)
    r = film("Whiplash")
    genres = [g.strip() for g in str(get("omdb", "Genre", r)).split(",")]
    same(len(genres) >= 2, True, "Whiplash has several genres")
    qs.add(
        "lookup",
        "lookup",
        "What genres is Whiplash listed under?",
        genres[0],
        answers=genres,
        keys=[db.key("omdb", r)],
        table="omdb",
    )
    r = film("Gladiator", 2000)
    awards = str(get("omdb", "Awards", r))
    nominated = re.fullmatch(r"Won \d+ Oscars?\. Nominated for (\d+) Oscars?\.", awards)
    if nominated is None:
        raise AssertionError(f"Gladiator's awards text: {awards!r}")
    lookup("How many Oscars was the 2000 film Gladiator nominated for?", nominated.group(1), r)

    # --- joins: tomatoes has no title; its rows match omdb's by ID, which no key declares -----
    r = film("Jaws")
    join("What's the Tomatometer score of Jaws?", get("tomatoes", "Meter", review(r)), r)
    r = film("Argo")
    join("How many critics reviewed Argo?", get("tomatoes", "Reviews", review(r)), r)
    r = film("Forrest Gump")
    gross = whole(get("tomatoes", "BoxOffice", review(r)))
    join("How much did Forrest Gump make at the box office?", gross, r)
    r = film("Rocky")
    join("Which studio produced Rocky?", get("tomatoes", "Production", review(r)), r)
    r = film("Gravity")
    join("How many rotten reviews did Gravity get?", get("tomatoes", "Rotten", review(r)), r)
    r = film("Toy Story")
    critics = get("tomatoes", "Rating", review(r))
    join("What's the average critic rating of Toy Story on Rotten Tomatoes?", num(critics), r)
    r = film("Psycho", 1960)
    join("How many fresh reviews did the 1960 Psycho get?", get("tomatoes", "Fresh", review(r)), r)
    top_id = unique_top(rt.set_index("ID")["BoxOffice"].dropna().to_dict(), "box office")
    director, r = db.one(
        "SELECT o.Director, o.rowid FROM omdb o JOIN tomatoes t ON t.ID = o.ID "
        "WHERE t.BoxOffice = (SELECT MAX(BoxOffice) FROM tomatoes)"
    )
    same(int(get("omdb", "ID", r)), int(top_id), "highest box office")
    join("Who directed the highest-grossing movie?", director, r, route="aggregate")
    top_id = unique_top(rt.set_index("ID")["Reviews"].dropna().to_dict(), "critic reviews")
    title, r = db.one(
        "SELECT o.Title, o.rowid FROM omdb o JOIN tomatoes t ON t.ID = o.ID "
        "WHERE t.Reviews = (SELECT MAX(Reviews) FROM tomatoes)"
    )
    same(int(get("omdb", "ID", r)), int(top_id), "most critic reviews")
    join("Which movie got the most critic reviews?", title, r, route="aggregate")

    _aggregates(db, qs, omdb, rt, both)


def _aggregates(
    db: Db, qs: QuestionSet, omdb: pd.DataFrame, rt: pd.DataFrame, both: pd.DataFrame
) -> None:
    def agg(
        question: str,
        sql: str,
        check: Any,
        fmt: Callable[[Any], str] = str,
        table: str = "omdb",
        **kw: Any,
    ) -> None:
        value = db.value(sql)
        if isinstance(value, str):
            same(value, check, question)
        else:
            close(value, check, question)
        qs.add("aggregate", "aggregate", question, fmt(value), table=table, **kw)

    def avg(v: Any) -> str:
        return num(v, 2)

    def integer(v: Any) -> str:
        same(float(v).is_integer(), True, f"{v} is whole")
        return str(int(v))

    agg(
        "How many movies from 1994 do we have?",
        "SELECT COUNT(*) FROM omdb WHERE Year = 1994",
        int((omdb["Year"] == 1994).sum()),
    )
    agg(
        "What's the average running time of films from 2010, in minutes?",
        "SELECT AVG(Runtime) FROM omdb WHERE Year = 2010",
        omdb.loc[omdb["Year"] == 2010, "Runtime"].mean(),
        avg,
    )
    agg(
        "How many films won five or more Oscars?",
        "SELECT COUNT(*) FROM omdb WHERE Oscars >= 5",
        int((omdb["Oscars"] >= 5).sum()),
    )
    agg(
        "How many Oscars did movies from 1997 win in total?",
        "SELECT SUM(Oscars) FROM omdb WHERE Year = 1997",
        int(omdb.loc[omdb["Year"] == 1997, "Oscars"].sum()),
    )
    agg(
        "How many R-rated movies are there?",
        "SELECT COUNT(*) FROM omdb WHERE Rating = 'R'",
        int((omdb["Rating"] == "R").sum()),
    )
    # a film lists several genres ("Comedy, Drama"): the top is the same whether a genre is
    # counted alone or wherever it is listed
    genre = unique_top(omdb["Genre"].value_counts().to_dict(), "films per genre")
    listed_genres = omdb["Genre"].str.split(", ").explode().str.strip().value_counts()
    same(unique_top(listed_genres.to_dict(), "films per listed genre"), genre, "top genre")
    agg(
        "Which genre is the most common?",
        "SELECT Genre FROM omdb GROUP BY Genre ORDER BY COUNT(*) DESC LIMIT 1",
        genre,
    )
    agg(
        "Which 2012 movie is the longest?",
        "SELECT Title FROM omdb WHERE Year = 2012 "
        "AND Runtime = (SELECT MAX(Runtime) FROM omdb WHERE Year = 2012)",
        omdb.loc[omdb.loc[omdb["Year"] == 2012, "Runtime"].idxmax(), "Title"],
    )
    agg(
        "How many movies run longer than three hours?",
        "SELECT COUNT(*) FROM omdb WHERE Runtime > 180",
        int((omdb["Runtime"] > 180).sum()),
    )
    agg(
        "What's the average Metacritic score of 2014 movies?",
        "SELECT AVG(Metacritic) FROM omdb WHERE Year = 2014",
        omdb.loc[omdb["Year"] == 2014, "Metacritic"].mean(),
        avg,
    )
    # a film may list several directors ("Ethan Coen, Joel Coen"): the counts below are the
    # same whether a director must be the only one or one of several
    directors = omdb["Director"].fillna("")
    named = directors.str.split(", ").explode().str.strip()
    named = named[named != ""]
    listed = named.value_counts().to_dict()
    alone = directors[directors != ""].value_counts().to_dict()
    kubrick = "Stanley Kubrick"
    same(listed[kubrick], alone[kubrick], "Kubrick never co-directed here")
    agg(
        "How many films did Stanley Kubrick direct?",
        f"SELECT COUNT(*) FROM omdb WHERE Director = '{kubrick}'",
        alone[kubrick],
    )
    busiest = unique_top(alone, "films per director")
    same(unique_top(listed, "films per listed director"), busiest, "top director either way")
    agg(
        "Which director has the most films?",
        "SELECT Director FROM omdb WHERE Director <> '' GROUP BY Director "
        "ORDER BY COUNT(*) DESC LIMIT 1",
        busiest,
    )
    seventies = omdb[omdb["Year"].between(1970, 1979)]
    by_alone = seventies.loc[seventies["Director"].fillna("") != "", "Director"].value_counts()
    by_listed = seventies["Director"].fillna("").str.split(", ").explode().str.strip()
    by_listed = by_listed[by_listed != ""].value_counts()
    seventies_top = unique_top(by_alone.to_dict(), "1970s films per director")
    same(unique_top(by_listed.to_dict(), "1970s listed"), seventies_top, "1970s top director")
    agg(
        "Which director made the most movies in the 1970s?",
        "SELECT Director FROM omdb WHERE Year BETWEEN 1970 AND 1979 AND Director <> '' "
        "GROUP BY Director ORDER BY COUNT(*) DESC LIMIT 1",
        seventies_top,
    )
    agg(
        "What's the average Tomatometer across all films?",
        "SELECT AVG(Meter) FROM tomatoes",
        rt["Meter"].mean(),
        avg,
        table="tomatoes",
    )
    agg(
        "How many movies have a perfect Tomatometer of 100?",
        "SELECT COUNT(*) FROM tomatoes WHERE Meter = 100",
        int((rt["Meter"] == 100).sum()),
        table="tomatoes",
    )
    agg(
        "How many films made more than a billion dollars at the box office?",
        "SELECT COUNT(*) FROM tomatoes WHERE BoxOffice > 1000000000",
        int((rt["BoxOffice"] > 1e9).sum()),
        table="tomatoes",
    )
    # both tables have a Rating: the age rating (omdb) and the critics' average (tomatoes)
    agg(
        "What's the average critic rating on Rotten Tomatoes of PG-13 movies?",
        "SELECT AVG(t.Rating) FROM omdb o JOIN tomatoes t ON t.ID = o.ID WHERE o.Rating = 'PG-13'",
        both.loc[both["Rating"] == "PG-13", "Rating_rt"].mean(),
        avg,
        table="tomatoes",
    )
    agg(
        "How many critic reviews did movies from 2013 get in total?",
        "SELECT SUM(t.Reviews) FROM omdb o JOIN tomatoes t ON t.ID = o.ID WHERE o.Year = 2013",
        both.loc[both["Year"] == 2013, "Reviews"].sum(),
        integer,
        table="tomatoes",
    )
    nolan = "Christopher Nolan"
    same(listed[nolan], alone[nolan], "Nolan never co-directed here")
    agg(
        "What's the total box office of Christopher Nolan's films?",
        "SELECT SUM(t.BoxOffice) FROM omdb o JOIN tomatoes t ON t.ID = o.ID "
        f"WHERE o.Director = '{nolan}'",
        both.loc[both["Director"] == nolan, "BoxOffice"].sum(),
        integer,
        table="tomatoes",
    )


def _logs(qs: QuestionSet) -> None:
    logs = {name: Log(name) for name in MOVIES_LOG_FILES}

    def add(question: str, answer: str, log: Log, rows: list[int], route: str) -> None:
        if not rows:
            raise AssertionError(f"no supporting line for {question!r}")
        keys = [log.key(n) for n in rows]
        qs.add("log", route, question, answer, keys=keys, table=log.name)

    def count(question: str, log: Log, rows: list[int], check: list[int]) -> None:
        same(rows, check, f"{question}: two patterns agree")
        add(question, str(len(rows)), log, rows, "aggregate")

    pbx = logs["asterisk"]
    wrong = pbx.ips(
        r"Registration from '[^']*' failed for '(" + IP + r")(?::\d+)?' - Wrong password"
    )
    count(
        "How many phone registrations failed because of a wrong password?",
        pbx,
        [n for n, _ in wrong],
        pbx.lines(r"- Wrong password$"),
    )
    count(
        "How many calls were rejected because the extension wasn't found?",
        pbx,
        pbx.lines(
            r"Call from '[^']*' \([^)]*\) to extension '[^']*' rejected because extension not found"
        ),
        pbx.lines(r"extension not found"),
    )
    nouser = pbx.ips(
        r"manager\.c: (" + IP + r") tried to authenticate with nonexistent user 'opennms'"
    )
    same(len(nouser), 1, "one manager login as opennms")
    add(
        "Which IP tried to log in to the Asterisk manager as the nonexistent user opennms?",
        nouser[0][1],
        pbx,
        [nouser[0][0]],
        "lookup",
    )

    mail = logs["kerio"]
    listed = mail.ips(r"IP address (" + IPV4 + r") found in DNS blacklist \S+, mail from ")
    count(
        "How many mails came from IP addresses on a DNS blacklist?",
        mail,
        [n for n, _ in listed],
        mail.lines(r"DNS blacklist"),
    )
    spamcop = mail.find(r"IP address 185\.140\.108\.56 found in DNS blacklist (\w+),")
    same(len(spamcop), 1, "one blacklist hit for 185.140.108.56")
    add(
        "Which blacklist flagged 185.140.108.56?",
        spamcop[0][1].group(1),
        mail,
        [spamcop[0][0]],
        "lookup",
    )
    cram = mail.find(
        r"^\[\d\d/\w{3}/\d{4} (\d\d:\d\d:\d\d)\] Failed SMTP login from \S+ "
        r"with SASL method CRAM-MD5"
    )
    same(len(cram), 1, "one failed CRAM-MD5 login")
    add(
        "What time did the failed CRAM-MD5 SMTP login happen?",
        cram[0][1].group(1),
        mail,
        [cram[0][0]],
        "lookup",
    )

    voip = logs["freeswitch"]
    missing = voip.ips(r"Can't find user \[[^\]]+\] from (" + IP + r")$")
    count(
        "How many times could FreeSWITCH not find the user?",
        voip,
        [n for n, _ in missing],
        voip.lines(r"Can't find user"),
    )

    mongo = logs["mongodb-auth"]
    count(
        "How many failed MongoDB logins were there?",
        mongo,
        mongo.lines(r"\] Failed to authenticate \S+ with mechanism "),
        mongo.lines(r"AuthenticationFailed"),
    )

    proxy = logs["squid"]
    denied = proxy.ips(r"^\d+\.\d+ +\d+ (" + IPV4 + r") TCP_DENIED/403 ")
    count(
        "How many proxy requests were refused with a 403?",
        proxy,
        [n for n, _ in denied],
        proxy.lines(r"/403 "),
    )


def _unanswerable(db: Db, qs: QuestionSet) -> None:
    def none(question: str, table: str) -> None:
        qs.add("unanswerable", "none", question, None, table=table)

    every = [c.lower() for c in db.all_columns()]
    for word in ("budget", "cost", "stream", "platform", "service", "netflix"):
        if any(word in c for c in every):
            raise AssertionError(f"a column holds {word!r}")
    none("What was the budget of The Dark Knight?", "omdb")
    none("Which streaming service is Inception on?", "omdb")
    last = db.value("SELECT MAX(Year) FROM omdb")
    same(last < 2019, True, "no 2019 films")
    same(db.rows("SELECT 1 FROM omdb WHERE Released LIKE '2019%'"), [], "none released in 2019")
    none("How many movies came out in 2019?", "omdb")
    same(db.rows("SELECT 1 FROM omdb WHERE Title LIKE '%Spirited%'"), [], "no Spirited Away")
    none("What's the Tomatometer score of Spirited Away?", "tomatoes")
    # the audience columns exist but are empty in this copy of the data
    for column in ("userMeter", "userRating", "userReviews"):
        same(db.value(f"SELECT COUNT({column}) FROM tomatoes"), 0, f"{column} is empty")
    none("What's the audience score of Jaws on Rotten Tomatoes?", "tomatoes")
    mongo = "\n".join(line for _, line in Log("mongodb-auth").entries)
    same(re.findall(r"(?i)countr|geo|location", mongo), [], "no location in the mongodb log")
    none("Which country did the failed MongoDB logins come from?", "mongodb-auth")
