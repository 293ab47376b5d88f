"""logs_fail2ban: event questions over eleven fail2ban test logs that ``lakelight.jsonl`` does
not use (``benchmarks/evalsets.py`` ``LOG_SET_FILES``), worded as a sysadmin types them.

Golds come from the raw lines with this module's own regexes (lakelight's log parser is not
used). Every IP address pulled out of a line is checked against the ``# failJSON`` label just
above it when that label names a ``host``. Keys are ``<file>:<line>`` (blank and ``#`` lines
are skipped but keep their numbers), as lakelight keys log records.
"""

from __future__ import annotations

import json
import re
from collections import Counter

from benchmarks.evalsets import LOG_SET_FILES, fail2ban_logs
from benchmarks.questions.setkit import QuestionSet, same, unique_top

IPV4 = r"\d{1,3}(?:\.\d{1,3}){3}"
IP = rf"(?:{IPV4}|[0-9a-f]*:[0-9a-f:]+)"


class Log:
    """One log file: its entries (line number, text) and the failJSON label above each."""

    def __init__(self, name: str) -> None:
        self.name = name
        lines = (fail2ban_logs() / name).read_text(encoding="utf-8").splitlines()
        self.entries: list[tuple[int, str]] = []
        self.labels: dict[int, dict] = {}
        label: dict | None = None
        for n, line in enumerate(lines, 1):
            if line.startswith("# failJSON:"):
                label = json.loads(line.split(":", 1)[1])
            elif line.startswith("#") or not line.strip():
                continue
            else:
                self.entries.append((n, line))
                if label is not None:
                    self.labels[n] = label
                label = None

    def find(self, pattern: str, flags: int = 0) -> list[tuple[int, re.Match[str]]]:
        return [(n, m) for n, line in self.entries if (m := re.search(pattern, line, flags))]

    def lines(self, pattern: str, flags: int = 0) -> list[int]:
        return [n for n, _ in self.find(pattern, flags)]

    def ips(self, pattern: str, flags: int = 0) -> list[tuple[int, str]]:
        """(line, group 1) of every match; group 1 is an address, checked against the label."""
        out = []
        for n, m in self.find(pattern, flags):
            ip = m.group(1).removeprefix("::ffff:")
            host = self.labels.get(n, {}).get("host")
            if host is not None and self.labels[n].get("match", True):
                same(ip, str(host).removeprefix("::ffff:"), f"{self.name}:{n} host label")
            out.append((n, ip))
        return out

    def key(self, n: int) -> str:
        return f"{self.name}:{n}"


def build() -> QuestionSet:
    logs = {name: Log(name) for name in LOG_SET_FILES}
    qs = QuestionSet()

    def add(question: str, answer: str, log: Log, rows: list[int], route: str, **kw) -> None:
        if not rows:
            raise AssertionError(f"no supporting line for {question!r}")
        qs.add(
            "log",
            route,
            question,
            answer,
            keys=[log.key(n) for n in rows],
            table=log.name,
            **kw,
        )

    def count(question: str, log: Log, rows: list[int], check: list[int]) -> None:
        same(rows, check, f"{question}: two patterns agree")
        add(question, str(len(rows)), log, rows, "aggregate")

    # --- sshd (journal) -----------------------------------------------------------------------
    ssh = logs["sshd-journal"]
    accepted = ssh.lines(r"sshd\[\d+\]: Accepted (?:password|publickey) for \S+ from ")
    count(
        "How many successful SSH logins were there?",
        ssh,
        accepted,
        ssh.lines(r"\bAccepted \w+ for "),
    )
    pubkey = ssh.find(r"Accepted publickey for (\S+) from")
    same(len(pubkey), 1, "one public-key login")
    add(
        "Who logged in over SSH with a public key?",
        pubkey[0][1].group(1),
        ssh,
        [pubkey[0][0]],
        "lookup",
    )
    count(
        "How many SSH logins were refused because the account is locked?",
        ssh,
        ssh.lines(r"not allowed because account is locked"),
        ssh.lines(r"User \S+ not allowed because account is locked"),
    )
    count(
        "How many failed password attempts were there over SSH?",
        ssh,
        ssh.lines(r"\bFailed password for "),
        ssh.lines(r"sshd\[\d+\]: (?:kernel: ?\[ *[\d.]+\]:? )?Failed password for "),
    )
    count(
        "How many times did sshd cut someone off for too many authentication failures?",
        ssh,
        ssh.lines(r"Disconnecting: Too many authentication failures"),
        ssh.lines(r"Too many authentication failures"),
    )

    # --- dovecot ------------------------------------------------------------------------------
    dove = logs["dovecot"]
    # "auth failed, N attempts" and "proxy dest auth failed": every line with the phrase
    failed = dove.ips(r"auth failed\b[^)]*\):.*?\brip=(" + IP + ")")
    count(
        "How many dovecot logins ended in 'auth failed'?",
        dove,
        [n for n, _ in failed],
        dove.lines(r"auth failed"),
    )
    by_ip = Counter(ip for _, ip in failed)
    top = unique_top(by_ip, "dovecot failed logins by ip")
    add(
        "Which IP address had the most failed dovecot logins?",
        top,
        dove,
        [n for n, ip in failed if ip == top],
        "aggregate",
    )
    count(
        "How many password mismatches did dovecot record?",
        dove,
        dove.lines(r"password mismatch", re.IGNORECASE),
        dove.lines(r"[Pp]assword mismatch"),
    )
    count(
        "How many dovecot connections were dropped without any login attempt?",
        dove,
        dove.lines(r"\(no auth attempts"),
        dove.lines(r"no auth attempts"),
    )

    # --- courier ------------------------------------------------------------------------------
    courier = logs["courier-auth"]
    count(
        "How many failed IMAP or POP3 logins did Courier log?",
        courier,
        courier.lines(r": LOGIN FAILED, "),
        courier.lines(r"LOGIN FAILED"),
    )
    hits = [
        (n, m.group(1))
        for n, m in courier.find(r"LOGIN FAILED, user=([^,]+), ip=\[(?:::ffff:)?198\.51\.100\.76\]")
    ]
    courier.ips(r"ip=\[(" + IP + r")\]")  # labels agree with every address
    same(len(hits), 1, "one courier failure from 198.51.100.76")
    add(
        "Which mailbox failed to log in to Courier from 198.51.100.76?",
        hits[0][1],
        courier,
        [hits[0][0]],
        "lookup",
    )

    # --- exim ---------------------------------------------------------------------------------
    exim = logs["exim"]
    auth = exim.ips(r"authenticator failed for .*?\[(" + IPV4 + r")\](?::\d+)?(?: I=\S+)?: 535")
    count(
        "How many failed SMTP logins did exim record?",
        exim,
        [n for n, _ in auth],
        exim.lines(r"authenticator failed for .*535 Incorrect authentication data"),
    )
    june = [n for n, line in exim.entries if line.startswith("2013-06") and n in dict(auth)]
    count(
        "How many failed SMTP logins did exim record in June 2013?",
        exim,
        june,
        [n for n, _ in exim.find(r"^2013-06-\d\d .*authenticator failed")],
    )
    count(
        "How many emails did exim reject because relaying is not permitted?",
        exim,
        exim.lines(r"rejected RCPT [^:]*: relay not permitted"),
        exim.lines(r"relay not permitted"),
    )
    count(
        "How many sender verification failures did exim log?",
        exim,
        # exim writes it both ways: "sender verify fail for <...>", "Sender verify failed"
        exim.lines(r"\bsender verify fail(?:ed\b| for <)", re.IGNORECASE),
        exim.lines(r"sender verify fail", re.IGNORECASE),
    )
    (n, m), *rest = exim.find(
        r"^\d{4}-\d\d-\d\d (\d\d:\d\d:\d\d) .*authenticator failed.*\[120\.196\.140\.45\]"
    )
    same(rest, [], "one failed login from 120.196.140.45")
    add(
        "What time did the SMTP login from 120.196.140.45 fail?",
        m.group(1),
        exim,
        [n],
        "lookup",
    )

    # --- nginx rate limiting ------------------------------------------------------------------
    nginx = logs["nginx-limit-req"]
    limited = nginx.ips(
        r"limiting requests, excess: [\d.]+ by zone \"[^\"]+\", client: (" + IP + "),"
    )
    count(
        "How many requests were rejected because of rate limiting?",
        nginx,
        [n for n, _ in limited],
        nginx.lines(r"limiting requests"),
    )
    labelled = [n for n, _ in limited if nginx.labels.get(n, {}).get("match")]
    same(labelled, [n for n, _ in limited], "every rate-limit line is labelled a match")
    clients = {ip for _, ip in limited}
    add(
        "How many different clients hit the rate limit?",
        str(len(clients)),
        nginx,
        [n for n, _ in limited],
        "aggregate",
    )
    index = [n for n, m in nginx.find(r"client: (" + IP + r"), .*request: \"GET /index\.php ")]
    same(len(index), 1, "one rate-limited /index.php request")
    add(
        "Which client was rate limited when requesting /index.php?",
        dict(limited)[index[0]],
        nginx,
        index,
        "lookup",
    )

    # --- apache: missing scripts and files ----------------------------------------------------
    noscript = logs["apache-noscript"]
    probes = noscript.ips(
        r"\[client (" + IPV4 + r")(?::\d+)?\] (?:AH\d+: )?(?:script '?\S+?'? not found|script not "
        r"found|File does not exist|Got error 'Primary script unknown)"
    )
    same(len(probes), len(noscript.entries), "every noscript entry is a missing script")
    top = unique_top(Counter(ip for _, ip in probes), "noscript probes by ip")
    add(
        "Which IP probed for the most missing scripts in the Apache noscript log?",
        top,
        noscript,
        [n for n, ip in probes if ip == top],
        "aggregate",
    )
    bots = logs["apache-botsearch"]
    missing = bots.ips(r"\[client (" + IPV4 + r")\] File does not exist: ")
    count(
        "How many requests for files that don't exist are in the Apache bot-search log?",
        bots,
        [n for n, _ in missing],
        bots.lines(r"File does not exist"),
    )
    ranked = Counter(ip for _, ip in missing).most_common(2)
    top = unique_top(Counter(ip for _, ip in missing), "missing files by ip")
    same(ranked[0][0], top, "top prober")
    add(
        "Which IP probed the most non-existent files?",
        top,
        bots,
        [n for n, ip in missing if ip == top],
        "aggregate",
    )
    denied = bots.ips(
        r"\[client (" + IPV4 + r")\] client denied by server configuration: "
        r"/var/www/webmail/\.htaccess"
    )
    same(len(denied), 1, "one denied .htaccess request")
    add(
        "Which IP was denied access to /var/www/webmail/.htaccess?",
        denied[0][1],
        bots,
        [denied[0][0]],
        "lookup",
    )

    # --- FTP ----------------------------------------------------------------------------------
    vsftpd = logs["vsftpd"]
    vs = vsftpd.lines(r"authentication failure;|FAIL LOGIN: Client")
    same(len(vs), len(vsftpd.entries), "every vsftpd entry is a failed login")
    vsftpd.ips(r"rhost=(" + IP + r")")
    count(
        "How many failed FTP logins did vsftpd log?",
        vsftpd,
        vs,
        vsftpd.lines(r"(?i)fail"),
    )
    proftpd = logs["proftpd"]
    count(
        "How many times was a root login attempted on the FTP server (proftpd)?",
        proftpd,
        proftpd.lines(r"SECURITY VIOLATION: root login attempted", re.IGNORECASE),
        proftpd.lines(r"SECURITY VIOLATION: [Rr]oot login attempted"),
    )
    count(
        "How many proftpd login attempts were for users that don't exist?",
        proftpd,
        proftpd.lines(r": no such user found from "),
        proftpd.lines(r"no such user found"),
    )
    pure = logs["pure-ftpd"].find(r"Authentication failed for user \[([^\]]+)\]")
    same(len(pure), 1, "one pure-ftpd failure")
    add(
        "Which user failed to authenticate on pure-ftpd?",
        pure[0][1].group(1),
        logs["pure-ftpd"],
        [pure[0][0]],
        "lookup",
    )

    # --- DNS ----------------------------------------------------------------------------------
    named = logs["named-refused"]
    count(
        "How many zone transfer attempts did the DNS server refuse?",
        named,
        named.lines(r"zone transfer '[^']+' denied|bad zone transfer request"),
        named.lines(r"zone transfer"),
    )
    queries = named.ips(
        r"client (?:@0x[0-9a-f]+ )?(" + IP + r")#\d+.*: query (?:\(cache\) )?'[^']*' denied"
    )
    top = unique_top(Counter(ip for _, ip in queries), "denied queries by client")
    add(
        "Which client sent the most denied DNS queries?",
        top,
        named,
        [n for n, ip in queries if ip == top],
        "aggregate",
    )

    # --- unanswerable -------------------------------------------------------------------------
    def none(question: str, table: str) -> None:
        qs.add("unanswerable", "none", question, None, table=table)

    none("Which country is 46.23.77.174 in?", "apache-botsearch")
    every = "\n".join(line for log in logs.values() for _, line in log.entries)
    same(re.findall(r"(?i)\bivo\b.{0,40}password[=:]", every), [], "no password of ivo logged")
    same(re.findall(r"(?i)\bload average\b|\bcpu\b", every), [], "no CPU figures in the logs")
    none("What password did the user ivo try on the mail server?", "dovecot")
    none("What was the server's CPU load when the rate limiting kicked in?", "nginx-limit-req")
    return qs
