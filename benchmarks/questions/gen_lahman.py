"""lahman: questions over the Lahman baseball database, seasons 2016-2019, in a SQLite file with
no declared keys (names like ``playerID``, ``yearID``, ``teamID``, ``HR``, ``IPouts``,
``birthCountry``). Golds are SQL over the file ``benchmarks/evalsets.py`` writes; aggregates
are computed again with pandas. A player's season is the sum of his stints (rows of one
``playerID`` and ``yearID``). Record keys: ``People`` by ``playerID``, ``TeamsFranchises`` by
``franchID``, every other table by row number.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from benchmarks.evalsets import write_lahman
from benchmarks.questions.setkit import (
    Db,
    QuestionSet,
    close,
    num,
    same,
    top_n,
    unique_top,
)


def build() -> QuestionSet:
    with tempfile.TemporaryDirectory(prefix="lakelight-lahman-") as tmp:
        path = Path(tmp) / "lahman.db"
        write_lahman(path)
        db = Db(path=path)
        try:
            return _questions(db)
        finally:
            db.conn.close()


def _questions(db: Db) -> QuestionSet:
    qs = QuestionSet()

    def player(first: str, last: str) -> tuple[str, int]:
        pid, rowid = db.one(
            "SELECT playerID, rowid FROM People WHERE nameFirst = ? AND nameLast = ?", first, last
        )
        return pid, int(rowid)

    def team(name: str, year: int) -> int:
        return int(db.value("SELECT rowid FROM Teams WHERE name = ? AND yearID = ?", name, year))

    def stint(table: str, pid: str, year: int) -> int:
        """The rowid of a player's only row (one stint) of ``year`` in Batting/Pitching."""
        return int(
            db.value(f"SELECT rowid FROM {table} WHERE playerID = ? AND yearID = ?", pid, year)
        )

    def get(table: str, column: str, rowid: int) -> Any:
        return db.value(f'SELECT "{column}" FROM "{table}" WHERE rowid = ?', rowid)

    def add(kind: str, question: str, answer: Any, keys: list[str], table: str, **kw: Any):
        route = kw.pop("route", "lookup")
        qs.add(kind, route, question, str(answer), keys=keys, table=table, **kw)

    # --- lookups -------------------------------------------------------------------------------
    _, trout = player("Mike", "Trout")
    add(
        "lookup",
        "Where was Mike Trout born?",
        get("People", "birthCity", trout),
        [db.key("People", trout)],
        "People",
    )
    _, r = player("Aaron", "Judge")
    add(
        "lookup",
        "How tall is Aaron Judge, in inches?",
        get("People", "height", r),
        [db.key("People", r)],
        "People",
    )
    ohtani_id, ohtani = player("Shohei", "Ohtani")
    add(
        "lookup",
        "When did Shohei Ohtani make his major league debut?",
        get("People", "debut", ohtani),
        [db.key("People", ohtani)],
        "People",
    )
    _, r = player("Yu", "Darvish")
    add(
        "lookup",
        "What country was Yu Darvish born in?",
        get("People", "birthCountry", r),
        [db.key("People", r)],
        "People",
    )
    _, r = player("Jose", "Altuve")
    add(
        "lookup",
        "How much does Jose Altuve weigh?",
        get("People", "weight", r),
        [db.key("People", r)],
        "People",
    )
    r = team("Boston Red Sox", 2018)
    add(
        "lookup",
        "How many games did the Boston Red Sox win in 2018?",
        get("Teams", "W", r),
        [db.key("Teams", r)],
        "Teams",
    )
    r = team("Chicago Cubs", 2016)
    add(
        "lookup",
        "What was the Chicago Cubs' home ballpark in 2016?",
        get("Teams", "park", r),
        [db.key("Teams", r)],
        "Teams",
    )
    r = team("New York Yankees", 2017)
    add(
        "lookup",
        "What was the New York Yankees' attendance in 2017?",
        get("Teams", "attendance", r),
        [db.key("Teams", r)],
        "Teams",
    )
    pid, _ = player("Jacob", "deGrom")
    r = stint("Pitching", pid, 2018)
    add(
        "lookup",
        "What was Jacob deGrom's ERA in 2018?",
        num(get("Pitching", "ERA", r)),
        [db.key("Pitching", r)],
        "Pitching",
    )
    pid, _ = player("Justin", "Verlander")
    r = stint("Pitching", pid, 2019)
    add(
        "lookup",
        "How many strikeouts did Justin Verlander have in 2019?",
        get("Pitching", "SO", r),
        [db.key("Pitching", r)],
        "Pitching",
    )
    pid, _ = player("Mookie", "Betts")
    r = stint("Batting", pid, 2018)
    add(
        "lookup",
        "How many home runs did Mookie Betts hit in 2018?",
        get("Batting", "HR", r),
        [db.key("Batting", r)],
        "Batting",
    )
    pid, _ = player("Clayton", "Kershaw")
    r = int(db.value("SELECT rowid FROM Salaries WHERE playerID = ? AND yearID = 2016", pid))
    add(
        "lookup",
        "What was Clayton Kershaw's salary in 2016?",
        get("Salaries", "salary", r),
        [db.key("Salaries", r)],
        "Salaries",
    )

    # --- joins: no foreign key is declared ---------------------------------------------------
    def team_of(pid: str, year: int) -> tuple[int, int]:
        """(Batting rowid, Teams rowid) of a one-stint season."""
        b = stint("Batting", pid, year)
        t = int(
            db.value(
                "SELECT t.rowid FROM Batting b JOIN Teams t "
                "ON t.teamID = b.teamID AND t.yearID = b.yearID WHERE b.rowid = ?",
                b,
            )
        )
        return b, t

    pid, prow = player("Giancarlo", "Stanton")
    b, t = team_of(pid, 2017)
    add(
        "join",
        "Which team did Giancarlo Stanton play for in 2017?",
        get("Teams", "name", t),
        [db.key("Batting", b), db.key("Teams", t)],
        "Batting",
    )
    pid = db.value("SELECT playerID FROM People WHERE rowid = ?", trout)
    b, t = team_of(pid, 2019)
    add(
        "join",
        "What was the home ballpark of Mike Trout's team in 2019?",
        get("Teams", "park", t),
        [db.key("Batting", b), db.key("Teams", t)],
        "Batting",
    )
    season_hr = db.frame("Batting").groupby(["yearID", "playerID"])["HR"].sum()
    leader = unique_top(season_hr.loc[2019].to_dict(), "2019 home run leader")
    city, prow = db.one(
        "SELECT birthCity, rowid FROM People WHERE playerID = ("
        "SELECT playerID FROM Batting WHERE yearID = 2019 GROUP BY playerID "
        "ORDER BY SUM(HR) DESC LIMIT 1)"
    )
    same(db.value("SELECT playerID FROM People WHERE rowid = ?", prow), leader, "HR leader")
    add(
        "join",
        "Where was the player who hit the most home runs in 2019 born?",
        city,
        [db.key("People", prow)],
        "Batting",
        route="aggregate",
    )
    bat = db.frame("Batting")
    teams = db.frame("Teams")
    people = db.frame("People")
    hou = bat[(bat["yearID"] == 2017) & (bat["teamID"] == "HOU")].groupby("playerID")["HR"].sum()
    best = unique_top(hou.to_dict(), "2017 Astros home runs")
    first, last, prow = db.one(
        "SELECT nameFirst, nameLast, p.rowid FROM People p WHERE playerID = ("
        "SELECT b.playerID FROM Batting b JOIN Teams t ON t.teamID = b.teamID "
        "AND t.yearID = b.yearID WHERE t.name = 'Houston Astros' AND b.yearID = 2017 "
        "GROUP BY b.playerID ORDER BY SUM(b.HR) DESC LIMIT 1)"
    )
    same(db.value("SELECT playerID FROM People WHERE rowid = ?", prow), best, "Astros leader")
    add(
        "join",
        "Who hit the most home runs for the Houston Astros in 2017?",
        f"{first} {last}",
        [db.key("People", prow)],
        "Batting",
        answers=[first, last],
        route="aggregate",
    )
    pitch = db.frame("Pitching")
    so = pitch[pitch["yearID"] == 2018].groupby("playerID")["SO"].sum()
    ace = unique_top(so.to_dict(), "2018 strikeout leader")
    country, prow = db.one(
        "SELECT birthCountry, rowid FROM People WHERE playerID = ("
        "SELECT playerID FROM Pitching WHERE yearID = 2018 GROUP BY playerID "
        "ORDER BY SUM(SO) DESC LIMIT 1)"
    )
    same(db.value("SELECT playerID FROM People WHERE rowid = ?", prow), ace, "SO leader")
    add(
        "join",
        "In which country was the pitcher with the most strikeouts in 2018 born?",
        country,
        [db.key("People", prow)],
        "Pitching",
        route="aggregate",
    )

    # --- aggregates: SQL, then pandas --------------------------------------------------------
    def agg(question: str, sql: str, check: Any, fmt: Any = str, table: str = "Batting", **kw):
        value = db.value(sql)
        if isinstance(value, str):
            same(value, check, question)
        else:
            close(value, check, question)
        qs.add("aggregate", "aggregate", question, fmt(value), table=table, **kw)

    agg(
        "How many home runs were hit in 2019 in total?",
        "SELECT SUM(HR) FROM Batting WHERE yearID = 2019",
        int(bat.loc[bat["yearID"] == 2019, "HR"].sum()),
    )
    close(
        teams.loc[teams["yearID"] == 2019, "HR"].sum(),
        bat.loc[bat["yearID"] == 2019, "HR"].sum(),
        "2019 home runs: Teams agree with Batting",
    )
    w2018 = teams[teams["yearID"] == 2018].set_index("name")["W"].to_dict()
    agg(
        "Which team won the most games in 2018?",
        "SELECT name FROM Teams WHERE yearID = 2018 ORDER BY W DESC LIMIT 1",
        unique_top(w2018, "2018 wins"),
        table="Teams",
    )
    leader = unique_top(season_hr.loc[2017].to_dict(), "2017 home run leader")
    first, last = people.loc[people["playerID"] == leader, ["nameFirst", "nameLast"]].iloc[0]
    agg(
        "Who hit the most home runs in 2017?",
        "SELECT nameFirst || ' ' || nameLast FROM People WHERE playerID = ("
        "SELECT playerID FROM Batting WHERE yearID = 2017 GROUP BY playerID "
        "ORDER BY SUM(HR) DESC LIMIT 1)",
        f"{first} {last}",
        answers=[first, last],
    )
    agg(
        "How many players in the database were born in Venezuela?",
        "SELECT COUNT(*) FROM People WHERE birthCountry = 'Venezuela'",
        int((people["birthCountry"] == "Venezuela").sum()),
        table="People",
    )
    agg(
        "How many teams won at least 100 games between 2016 and 2019?",
        "SELECT COUNT(*) FROM Teams WHERE W >= 100 AND yearID BETWEEN 2016 AND 2019",
        int((teams["W"] >= 100).sum()),
        table="Teams",
    )
    agg(
        "What was the highest season attendance of any team from 2016 to 2019?",
        "SELECT MAX(attendance) FROM Teams WHERE yearID BETWEEN 2016 AND 2019",
        int(teams["attendance"].max()),
        table="Teams",
    )
    hr2019 = teams[teams["yearID"] == 2019].set_index("name")["HR"].to_dict()
    top3 = top_n(hr2019, 3, "2019 team home runs")
    sql3 = [
        r[0] for r in db.rows("SELECT name FROM Teams WHERE yearID = 2019 ORDER BY HR DESC LIMIT 3")
    ]
    same(top3, sql3, "top 3 home run teams of 2019")
    qs.add(
        "aggregate",
        "aggregate",
        "Which 3 teams hit the most home runs in 2019?",
        top3[0],
        answers=top3,
        table="Teams",
    )
    sb = int(bat.loc[bat["yearID"] == 2018, "SB"].sum())
    close(teams.loc[teams["yearID"] == 2018, "SB"].sum(), sb, "2018 steals: Teams agree")
    agg(
        "How many stolen bases were there in 2018?",
        "SELECT SUM(SB) FROM Batting WHERE yearID = 2018",
        sb,
    )
    agg(
        "What's the average height of players born in Japan, in inches?",
        "SELECT AVG(height) FROM People WHERE birthCountry = 'Japan'",
        people.loc[people["birthCountry"] == "Japan", "height"].mean(),
        lambda v: num(v, 2),
        table="People",
    )
    shut = pitch[(pitch["yearID"] == 2016) & (pitch["SHO"] > 0)]["playerID"].nunique()
    agg(
        "How many pitchers threw at least one shutout in 2016?",
        "SELECT COUNT(DISTINCT playerID) FROM Pitching WHERE yearID = 2016 AND SHO > 0",
        int(shut),
        table="Pitching",
    )
    sal = db.frame("Salaries")
    payroll = sal.groupby("teamID")["salary"].sum().to_dict()
    rich = unique_top(payroll, "2016 payroll")
    rich_name = teams.loc[(teams["yearID"] == 2016) & (teams["teamID"] == rich), "name"].iloc[0]
    agg(
        "Which team had the highest total payroll in 2016?",
        "SELECT t.name FROM Salaries s JOIN Teams t ON t.teamID = s.teamID AND t.yearID = s.yearID "
        "WHERE s.yearID = 2016 GROUP BY t.name ORDER BY SUM(s.salary) DESC LIMIT 1",
        rich_name,
        table="Salaries",
    )
    lad = sal[sal["teamID"] == "LAN"]["salary"].sum()
    same(
        teams.loc[(teams["yearID"] == 2016) & (teams["teamID"] == "LAN"), "name"].iloc[0],
        "Los Angeles Dodgers",
        "LAN is the Dodgers",
    )
    agg(
        "What was the total payroll of the Los Angeles Dodgers in 2016?",
        "SELECT SUM(s.salary) FROM Salaries s JOIN Teams t ON t.teamID = s.teamID "
        "AND t.yearID = s.yearID WHERE t.name = 'Los Angeles Dodgers' AND s.yearID = 2016",
        lad,
        lambda v: str(int(v)),
        table="Salaries",
    )
    ven = bat[bat["yearID"] == 2018].merge(people, on="playerID")
    agg(
        "How many home runs did players born in Venezuela hit in 2018?",
        "SELECT SUM(b.HR) FROM Batting b JOIN People p ON p.playerID = b.playerID "
        "WHERE b.yearID = 2018 AND p.birthCountry = 'Venezuela'",
        int(ven.loc[ven["birthCountry"] == "Venezuela", "HR"].sum()),
    )
    agg(
        "How many players made their debut in 2019?",
        "SELECT COUNT(*) FROM People WHERE debut BETWEEN '2019-01-01' AND '2019-12-31'",
        int(people["debut"].fillna("").str.startswith("2019").sum()),
        table="People",
    )
    agg(
        "How many teams scored more than 900 runs in 2019?",
        "SELECT COUNT(*) FROM Teams WHERE yearID = 2019 AND R > 900",
        int(((teams["yearID"] == 2019) & (teams["R"] > 900)).sum()),
        table="Teams",
    )

    # --- unanswerable ------------------------------------------------------------------------
    def none(question: str, table: str | None = None) -> None:
        qs.add("unanswerable", "none", question, None, table=table)

    every = [c.lower() for c in db.all_columns()]
    for word in ("uniform", "jersey", "number", "instagram", "social", "twitter"):
        if any(word in c for c in every):
            raise AssertionError(f"a column holds {word!r}")
    none("What is Mike Trout's jersey number?", "People")
    none("What's Shohei Ohtani's Instagram handle?", "People")
    judge = db.value("SELECT playerID FROM People WHERE nameFirst = 'Aaron' AND nameLast = 'Judge'")
    same(db.rows("SELECT 1 FROM Salaries WHERE playerID = ? AND yearID = 2019", judge), [], "")
    none("How much was Aaron Judge paid in 2019?", "Salaries")
    same(db.rows("SELECT 1 FROM People WHERE nameLast = 'Ruth'"), [], "no Babe Ruth")
    none("How many home runs did Babe Ruth hit in his career?", "Batting")
    same(db.rows("SELECT 1 FROM Batting WHERE yearID = 2021"), [], "no 2021 season")
    none("How many home runs were hit in 2021?", "Batting")
    del ohtani_id
    return qs
