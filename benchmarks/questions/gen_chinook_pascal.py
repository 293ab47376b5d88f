"""chinook_pascal: questions over Chinook under its published PascalCase schema.

The rows are Chinook's (the same store ``lakelight.jsonl`` asks about), but the names are the
ERP-style ones of Chinook's own DDL (``CustomerId``, ``SupportRepId``, ``BillingCountry``,
``InvoiceDate``, ``UnitPrice``, ``MediaTypeId``) and the SQLite file declares no key, so joins
must be found from the names. None of these questions is in ``lakelight.jsonl``. Golds are SQL
over the file ``benchmarks/evalsets.py`` writes; aggregates are computed again with pandas.
Record keys are the ``...Id`` columns (lakelight's id-like rule), row numbers for
``PlaylistTrack``'s repeats.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from benchmarks.evalsets import write_chinook_pascal
from benchmarks.questions.setkit import Db, QuestionSet, close, money, same, top_n, unique_top


def build() -> QuestionSet:
    with tempfile.TemporaryDirectory(prefix="lakelight-chinook-pascal-") as tmp:
        path = Path(tmp) / "chinook_pascal.db"
        write_chinook_pascal(path)
        db = Db(path=path)
        try:
            return _questions(db)
        finally:
            db.conn.close()


def _questions(db: Db) -> QuestionSet:
    qs = QuestionSet()

    def customer(first: str, last: str) -> int:
        return int(
            db.value("SELECT rowid FROM Customer WHERE FirstName = ? AND LastName = ?", first, last)
        )

    def employee(first: str, last: str) -> int:
        return int(
            db.value("SELECT rowid FROM Employee WHERE FirstName = ? AND LastName = ?", first, last)
        )

    def track(name: str, album: str) -> int:
        return int(
            db.value(
                "SELECT t.rowid FROM Track t JOIN Album a ON a.AlbumId = t.AlbumId "
                "WHERE t.Name = ? AND a.Title = ?",
                name,
                album,
            )
        )

    def invoice(number: int) -> int:
        return int(db.value("SELECT rowid FROM Invoice WHERE InvoiceId = ?", number))

    def get(table: str, column: str, rowid: int) -> Any:
        return db.value(f'SELECT "{column}" FROM "{table}" WHERE rowid = ?', rowid)

    def add(kind: str, question: str, answer: Any, keys: list[str], table: str, **kw: Any):
        qs.add(kind, "lookup", question, str(answer), keys=keys, table=table, **kw)

    # --- lookups -------------------------------------------------------------------------------
    leonie = customer("Leonie", "Köhler")
    add(
        "lookup",
        "What is the phone number of customer Leonie Köhler?",
        get("Customer", "Phone", leonie),
        [db.key("Customer", leonie)],
        "Customer",
    )
    r = customer("Eduardo", "Martins")
    add(
        "lookup",
        "Which company does Eduardo Martins work for?",
        get("Customer", "Company", r),
        [db.key("Customer", r)],
        "Customer",
    )
    r = customer("Jennifer", "Peterson")
    add(
        "lookup",
        "What's the postal code of customer Jennifer Peterson?",
        get("Customer", "PostalCode", r),
        [db.key("Customer", r)],
        "Customer",
    )
    r = invoice(250)
    add(
        "lookup",
        "Which country was invoice 250 billed to?",
        get("Invoice", "BillingCountry", r),
        [db.key("Invoice", r)],
        "Invoice",
    )
    r = invoice(404)
    add(
        "lookup",
        "How much was invoice #404 for?",
        money(get("Invoice", "Total", r)),
        [db.key("Invoice", r)],
        "Invoice",
    )
    r = invoice(77)
    add(
        "lookup",
        "On what date was invoice 77 issued?",
        get("Invoice", "InvoiceDate", r)[:10],
        [db.key("Invoice", r)],
        "Invoice",
    )
    jane = employee("Jane", "Peacock")
    add(
        "lookup",
        "When was Jane Peacock hired?",
        get("Employee", "HireDate", jane)[:10],
        [db.key("Employee", jane)],
        "Employee",
    )
    r = track("Stairway To Heaven", "IV")
    add(
        "lookup",
        "How long is 'Stairway To Heaven' on the album IV, in milliseconds?",
        get("Track", "Milliseconds", r),
        [db.key("Track", r)],
        "Track",
    )
    steve = employee("Steve", "Johnson")
    add(
        "lookup",
        "What's Steve Johnson's email address?",
        get("Employee", "Email", steve),
        [db.key("Employee", steve)],
        "Employee",
    )
    r = track("Smells Like Teen Spirit", "Nevermind")
    add(
        "lookup",
        "How many bytes is 'Smells Like Teen Spirit' from Nevermind?",
        get("Track", "Bytes", r),
        [db.key("Track", r)],
        "Track",
    )
    r = track("Black Dog", "IV")
    composer = get("Track", "Composer", r)
    same(composer, "Jimmy Page, Robert Plant, John Paul Jones", "Black Dog's composers")
    add(
        "lookup",
        "Who wrote 'Black Dog' on Led Zeppelin IV?",
        composer,
        [db.key("Track", r)],
        "Track",
        answers=[part.split()[-1] for part in composer.split(", ")],
    )

    # --- joins: no foreign key is declared ---------------------------------------------------
    def person(table: str, rowid: int) -> tuple[str, list[str]]:
        first, last = db.one(f'SELECT FirstName, LastName FROM "{table}" WHERE rowid = ?', rowid)
        return f"{first} {last}", [first, last]

    rep = int(
        db.value(
            "SELECT e.rowid FROM Customer c JOIN Employee e ON e.EmployeeId = c.SupportRepId "
            "WHERE c.rowid = ?",
            leonie,
        )
    )
    name, parts = person("Employee", rep)
    add(
        "join",
        "Who is the support rep for customer Leonie Köhler?",
        name,
        [db.key("Customer", leonie), db.key("Employee", rep)],
        "Customer",
        answers=parts,
    )
    boss = int(
        db.value(
            "SELECT b.rowid FROM Employee e JOIN Employee b ON b.EmployeeId = e.ReportsTo "
            "WHERE e.rowid = ?",
            jane,
        )
    )
    name, parts = person("Employee", boss)
    add(
        "join",
        "Who does Jane Peacock report to?",
        name,
        [db.key("Employee", jane), db.key("Employee", boss)],
        "Employee",
        answers=parts,
    )
    album = int(db.value("SELECT rowid FROM Album WHERE Title = ?", "Jagged Little Pill"))
    artist = int(
        db.value(
            "SELECT ar.rowid FROM Album a JOIN Artist ar ON ar.ArtistId = a.ArtistId "
            "WHERE a.rowid = ?",
            album,
        )
    )
    add(
        "join",
        "Which artist recorded the album Jagged Little Pill?",
        get("Artist", "Name", artist),
        [db.key("Album", album), db.key("Artist", artist)],
        "Album",
    )
    inv250 = invoice(250)
    buyer = int(
        db.value(
            "SELECT c.rowid FROM Invoice i JOIN Customer c ON c.CustomerId = i.CustomerId "
            "WHERE i.rowid = ?",
            inv250,
        )
    )
    name, parts = person("Customer", buyer)
    add(
        "join",
        "Which customer was invoice 250 billed to?",
        name,
        [db.key("Invoice", inv250), db.key("Customer", buyer)],
        "Invoice",
        answers=parts,
    )
    r = track("Occupation / Precipice", "Battlestar Galactica, Season 3")
    media = int(
        db.value(
            "SELECT m.rowid FROM Track t JOIN MediaType m ON m.MediaTypeId = t.MediaTypeId "
            "WHERE t.rowid = ?",
            r,
        )
    )
    add(
        "join",
        "What media type is the track 'Occupation / Precipice'?",
        get("MediaType", "Name", media),
        [db.key("Track", r), db.key("MediaType", media)],
        "Track",
    )
    rep = int(
        db.value(
            "SELECT e.rowid FROM Customer c JOIN Employee e ON e.EmployeeId = c.SupportRepId "
            "WHERE c.rowid = ?",
            buyer,
        )
    )
    name, parts = person("Employee", rep)
    add(
        "join",
        "Who is the support rep of the customer on invoice 250?",
        name,
        [db.key("Invoice", inv250), db.key("Customer", buyer), db.key("Employee", rep)],
        "Invoice",
        answers=parts,
    )
    dog = track("Black Dog", "IV")
    artist = int(
        db.value(
            "SELECT ar.rowid FROM Track t JOIN Album a ON a.AlbumId = t.AlbumId "
            "JOIN Artist ar ON ar.ArtistId = a.ArtistId WHERE t.rowid = ?",
            dog,
        )
    )
    add(
        "join",
        "Which artist performs 'Black Dog' on the album IV?",
        get("Artist", "Name", artist),
        [db.key("Track", dog), db.key("Artist", artist)],
        "Track",
    )
    inv404 = invoice(404)
    buyer = int(
        db.value(
            "SELECT c.rowid FROM Invoice i JOIN Customer c ON c.CustomerId = i.CustomerId "
            "WHERE i.rowid = ?",
            inv404,
        )
    )
    add(
        "join",
        "What's the email address of the customer on invoice #404?",
        get("Customer", "Email", buyer),
        [db.key("Invoice", inv404), db.key("Customer", buyer)],
        "Invoice",
    )

    # --- aggregates: SQL, then pandas --------------------------------------------------------
    cust, inv, trk = db.frame("Customer"), db.frame("Invoice"), db.frame("Track")
    genre, album_df, artist_df = db.frame("Genre"), db.frame("Album"), db.frame("Artist")
    emp, pl, plt = db.frame("Employee"), db.frame("Playlist"), db.frame("PlaylistTrack")

    def agg(question: str, sql: str, check: Any, fmt: Any = str, table: str = "Invoice", **kw):
        value = db.value(sql)
        if isinstance(value, str):
            same(value, check, question)
        else:
            close(value, check, question)
        qs.add("aggregate", "aggregate", question, fmt(value), table=table, **kw)

    agg(
        "How many customers do we have in Brazil?",
        "SELECT COUNT(*) FROM Customer WHERE Country = 'Brazil'",
        int((cust["Country"] == "Brazil").sum()),
        table="Customer",
    )
    agg(
        "What were total sales billed to Germany?",
        "SELECT SUM(Total) FROM Invoice WHERE BillingCountry = 'Germany'",
        inv.loc[inv["BillingCountry"] == "Germany", "Total"].sum(),
        money,
    )
    agg(
        "Which billing country brings in the most revenue?",
        "SELECT BillingCountry FROM Invoice GROUP BY 1 ORDER BY SUM(Total) DESC LIMIT 1",
        unique_top(inv.groupby("BillingCountry")["Total"].sum().to_dict(), "revenue by country"),
    )
    reps = cust.groupby("SupportRepId").size().to_dict()
    top_rep = unique_top(reps, "customers per rep")
    first, last = emp.loc[emp["EmployeeId"] == top_rep, ["FirstName", "LastName"]].iloc[0]
    agg(
        "Which support rep looks after the most customers?",
        "SELECT e.FirstName || ' ' || e.LastName FROM Customer c "
        "JOIN Employee e ON e.EmployeeId = c.SupportRepId "
        "GROUP BY c.SupportRepId ORDER BY COUNT(*) DESC LIMIT 1",
        f"{first} {last}",
        table="Customer",
        answers=[first, last],
    )
    tg = trk.merge(genre, on="GenreId", suffixes=("", "_genre"))
    agg(
        "How many tracks are in the Rock genre?",
        "SELECT COUNT(*) FROM Track t JOIN Genre g ON g.GenreId = t.GenreId WHERE g.Name = 'Rock'",
        int((tg["Name_genre"] == "Rock").sum()),
        table="Track",
    )
    agg(
        "Which genre has the most tracks?",
        "SELECT g.Name FROM Track t JOIN Genre g ON g.GenreId = t.GenreId "
        "GROUP BY g.GenreId ORDER BY COUNT(*) DESC LIMIT 1",
        unique_top(tg.groupby("Name_genre").size().to_dict(), "tracks per genre"),
        table="Track",
    )
    aa = album_df.merge(artist_df, on="ArtistId")
    agg(
        "Which artist has the most albums?",
        "SELECT ar.Name FROM Album a JOIN Artist ar ON ar.ArtistId = a.ArtistId "
        "GROUP BY ar.ArtistId ORDER BY COUNT(*) DESC LIMIT 1",
        unique_top(aa.groupby("Name").size().to_dict(), "albums per artist"),
        table="Album",
    )
    same(int((pl["Name"] == "Grunge").sum()), 1, "one Grunge playlist")
    grunge = int(pl.loc[pl["Name"] == "Grunge", "PlaylistId"].iloc[0])
    agg(
        "How many tracks are on the Grunge playlist?",
        "SELECT COUNT(*) FROM PlaylistTrack pt JOIN Playlist p ON p.PlaylistId = pt.PlaylistId "
        "WHERE p.Name = 'Grunge'",
        int((plt["PlaylistId"] == grunge).sum()),
        table="PlaylistTrack",
    )
    agg(
        "How many invoices were issued in 2010?",
        "SELECT COUNT(*) FROM Invoice WHERE InvoiceDate >= '2010-01-01' "
        "AND InvoiceDate < '2011-01-01'",
        int(inv["InvoiceDate"].str.startswith("2010").sum()),
    )
    q1 = inv["InvoiceDate"].str[:7].isin(["2009-01", "2009-02", "2009-03"])
    agg(
        "What were total sales in the first quarter of 2009?",
        "SELECT SUM(Total) FROM Invoice WHERE InvoiceDate >= '2009-01-01' "
        "AND InvoiceDate < '2009-04-01'",
        inv.loc[q1, "Total"].sum(),
        money,
    )
    longest = trk.loc[trk["Milliseconds"].idxmax()]
    same(int((trk["Milliseconds"] == longest["Milliseconds"]).sum()), 1, "one longest track")
    agg(
        "What's the longest track?",
        "SELECT Name FROM Track ORDER BY Milliseconds DESC LIMIT 1",
        longest["Name"],
        table="Track",
    )
    agg(
        "How many invoices came to more than $20?",
        "SELECT COUNT(*) FROM Invoice WHERE Total > 20",
        int((inv["Total"] > 20).sum()),
    )
    spend = inv.merge(cust, on="CustomerId")
    spend["who"] = spend["FirstName"] + " " + spend["LastName"]
    top3 = top_n(spend.groupby("who")["Total"].sum().round(2).to_dict(), 3, "top spenders")
    sql3 = [
        r[0]
        for r in db.rows(
            "SELECT c.FirstName || ' ' || c.LastName FROM Invoice i "
            "JOIN Customer c ON c.CustomerId = i.CustomerId "
            "GROUP BY i.CustomerId ORDER BY SUM(i.Total) DESC LIMIT 3"
        )
    ]
    same(top3, sql3, "top 3 customers by spending")
    qs.add(
        "aggregate",
        "aggregate",
        "Who are our top 3 customers by total spending?",
        top3[0],
        answers=top3,
        table="Invoice",
    )
    agg(
        "How many tracks cost 1.99?",
        "SELECT COUNT(*) FROM Track WHERE UnitPrice = 1.99",
        int((trk["UnitPrice"] == 1.99).sum()),
        table="Track",
    )
    agg(
        "What's the average invoice total for invoices billed to Canada?",
        "SELECT AVG(Total) FROM Invoice WHERE BillingCountry = 'Canada'",
        inv.loc[inv["BillingCountry"] == "Canada", "Total"].mean(),
        money,
    )

    # --- unanswerable ------------------------------------------------------------------------
    def none(question: str, table: str | None = None) -> None:
        qs.add("unanswerable", "none", question, None, table=table)

    def absent(columns: list[str], *words: str) -> None:
        low = [c.lower() for c in columns]
        for word in words:
            if any(word in c for c in low):
                raise AssertionError(f"a column holds {word!r}: {low}")

    absent(db.columns("Customer"), "birth", "age")
    none("What's Leonie Köhler's date of birth?", "Customer")
    same(
        db.rows("SELECT 1 FROM Customer WHERE FirstName = 'Monica' OR LastName = 'Geller'"),
        [],
        "no customer Monica Geller",
    )
    none("What's the email address of customer Monica Geller?", "Customer")
    absent(db.columns("Employee"), "salary", "pay", "wage")
    none("What is Jane Peacock's salary?", "Employee")
    absent(db.all_columns(), "bpm", "tempo", "beat")
    none("How many beats per minute is 'Stairway To Heaven'?", "Track")
    absent(db.all_columns(), "ship", "freight")
    none("What was the shipping cost on invoice 250?", "Invoice")
    return qs
