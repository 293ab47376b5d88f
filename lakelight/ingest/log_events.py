"""What a log entry reports, in normalized event fields named after Elastic ECS's
``event.category``, ``event.action`` and ``event.outcome``, so that questions count events,
not words: "how many successful SSH logins" is ``event_action = 'login' AND event_outcome =
'success'``, not ``message LIKE '%ssh%'``.

Fields (``EVENT_FIELDS``, text columns of every log table, null when no rule knows the entry):

- ``event_category``: ``authentication``, ``web``, ``mail`` (ECS's ``email``), ``database``,
  ``network``, ``process`` or ``file``. Authentication events are ``authentication`` whatever
  program logs them (sshd, dovecot, mysqld, a web server); other events take the category of
  the program that logs them (a web server's ``access denied`` is ``web``, named's is
  ``network``, a disconnect logged by mysqld is ``database``).
- ``event_action``: one phrase of the fixed vocabulary ``ACTIONS`` below.
- ``event_outcome``: ``success``, ``failure`` or ``unknown``, as ECS defines them.
- ``auth_method``: how an authentication line says the client authenticated: ``password``
  (also SASL PLAIN and LOGIN, which carry a password, and mysqld's "using password: YES"),
  ``no password`` (mysqld's "using password: NO", ssh's "none" method; not "none", which
  ``rows.is_null`` reads as empty), ``publickey``, ``keyboard-interactive``, ``hostbased``,
  ``gssapi``, or another SASL mechanism's name (``cram-md5``, ``digest-md5``, ``otp``, ...).
- ``http_status_class``: ``2xx`` ... ``5xx`` for web access entries with a status.

The vocabulary (``ACTIONS``, action → the category it has when no program says otherwise):

- ``login``: an authentication attempt, successful or failed (sshd "Accepted/Failed password
  for", PAM "authentication failure", SASL and IMAP/POP3 logins, mysqld "Access denied for
  user", FTP and web application logins, HTTP basic and digest auth failures)
- ``invalid user``: a login naming a user that does not exist (sshd "Invalid user",
  "unknown user", "no such user", "user ... not found")
- ``too many failures``: a client cut off after repeated failed logins
- ``session opened``, ``session closed``: a login session (PAM) begins or ends
- ``access denied``: a request or client refused by policy rather than for bad credentials
  (sshd "not allowed because ...", apache "client denied by server configuration", named
  "query ... denied", HTTP 401/403)
- ``request``: any other web access entry; ``file not found``: a request or open() for a file
  that does not exist (apache "File does not exist", "script not found", nginx "No such file or
  directory", HTTP 404/410); ``bad request``: a malformed request (HTTP 400, "Invalid URI")
- ``rate limited``: refused for exceeding a rate (nginx "limiting requests", HTTP 429)
- ``connect``, ``disconnect``: a connection opens or closes
- ``bad protocol``: a client that does not speak the protocol (no ssh identification string,
  SMTP pipelining or synchronization errors); ``handshake failed``: no common cipher, key
  exchange or TLS version could be agreed on
- ``blocked``: refused because the address is on a blocklist (DNSBL/RBL, port blockers);
  ``ban``, ``unban``: fail2ban bans or unbans an address; ``scan``: a port scan;
  ``attack detected``: the program names the entry an attack (a break-in or hacking attempt,
  an exploit such as shellshock, a suhosin alert)
- ``relay denied``: mail refused for relaying; ``unknown recipient``: mail to a user that does
  not exist; ``message rejected``: mail refused for another reason (HELO, sender, DNS checks);
  ``probe``: SMTP address probing (VRFY/EXPN) or a connection that never sent mail;
  ``spam``: mail flagged or dropped as spam
- ``start``, ``stop``: a service starts or stops (systemd, init); ``crash``: a process dies
  (segfault, core dump, killed for lack of memory)

Classification reads the entry's first line (``message`` up to its first newline): access
lines and structured entries with an HTTP status by their status, audit records by their
``type`` and ``res``, and everything else by ``RULES`` in ``log_event_rules``, tried in
order; the first that matches wins. A rule is a lower-case key phrase that must occur in the
lower-cased message and an optional regex that must match there too; only the rules whose
key's longest word is a word of the message are tried. Only the first ``_SCAN_CHARS``
characters are read, so a hostile line costs no more than a long one.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from lakelight.ingest.log_event_rules import Rule, candidates, words

__all__ = ["ACTIONS", "CATEGORIES", "EVENT_FIELDS", "classify_event"]

EVENT_FIELDS = ("event_category", "event_action", "event_outcome", "auth_method",
                "http_status_class")  # fmt: skip
CATEGORIES = ("authentication", "web", "mail", "database", "network", "process", "file")
ACTIONS: dict[str, str] = {
    "login": "authentication", "invalid user": "authentication",
    "too many failures": "authentication", "session opened": "authentication",
    "session closed": "authentication",
    "access denied": "network",
    "request": "web", "file not found": "file", "bad request": "web", "rate limited": "network",
    "connect": "network", "disconnect": "network", "bad protocol": "network",
    "handshake failed": "network", "blocked": "network", "ban": "network", "unban": "network",
    "scan": "network", "attack detected": "network",
    "relay denied": "mail", "unknown recipient": "mail", "message rejected": "mail",
    "probe": "mail", "spam": "mail",
    "start": "process", "stop": "process", "crash": "process",
}  # fmt: skip
_SCAN_CHARS = 1000  # what an entry reports is said at the start of its message
_AUTHENTICATION = frozenset(a for a, c in ACTIONS.items() if c == "authentication")

# --- the program's category -----------------------------------------------------------------

# Program names (lower case, before any "/", "(" or "[") by the category of what they log.
_PROGRAMS = {
    "web": "httpd apache apache2 nginx lighttpd haproxy squid traefik caddy tomcat php-fpm "
    "varnishd envoy",
    "mail": "postfix exim exim4 sendmail sm-mta courieresmtpd courierpop3login courier imapd "
    "imapd-ssl pop3d pop3d-ssl ipop3d dovecot dovecot-auth cyrus qmail rblsmtpd postscreen sieve "
    "timsieved perdition solid-pop3d amavis amavisd spamd opendkim opendmarc smtpd",
    "database": "mysqld mariadbd mysql postgres postgresql postmaster mongod mongodb redis "
    "redis-server sqlservr mssql",
    "process": "systemd init upstart supervisord",
}
_PROGRAM_CATEGORY = {name: cat for cat, names in _PROGRAMS.items() for name in names.split()}
_PROGRAM_PREFIXES = (("postfix", "mail"), ("sm-", "mail"), ("courier", "mail"),
                     ("exim", "mail"), ("cyrus", "mail"), ("mysql", "database"),
                     ("postgres", "database"))  # fmt: skip
_PROGRAM_NAME = re.compile(r"[^/(\[]*")
# Apache's error log names its client: "[client 1.2.3.4] ...", "[pid 1] [client 1.2.3.4:5] ..."
_APACHE_ERROR = re.compile(r"(?:\[[^\]]*\] )*\[client ")


@lru_cache(maxsize=4096)
def _program_category(program: str) -> str | None:
    """The category of what a program logs ('postfix/smtpd' → mail, 'mysqld' → database)."""
    name = _PROGRAM_NAME.match(program.lower()).group()  # type: ignore[union-attr]
    if name.endswith("-login"):  # dovecot's imap-login, pop3-login, ...
        return "mail"
    category = _PROGRAM_CATEGORY.get(name)
    if category is None:
        category = next((c for p, c in _PROGRAM_PREFIXES if name.startswith(p)), None)
    return category


def _entry_category(fmt: str, fields: dict[str, Any], head: str) -> str | None:
    program = fields.get("program")
    if program:
        category = _program_category(program)
        if category is not None:
            return category
    if fmt in ("access_log", "nginx_error") or _APACHE_ERROR.match(head):
        return "web"
    return None


# --- web access entries -----------------------------------------------------------------------

_STATUS_ACTIONS = {400: "bad request", 401: "access denied", 403: "access denied",
                   404: "file not found", 407: "access denied", 410: "file not found",
                   414: "bad request", 429: "rate limited", 431: "bad request"}  # fmt: skip


def _web_access(status: Any) -> dict[str, Any]:
    if not isinstance(status, int) or not 100 <= status <= 599:
        return {"event_category": "web", "event_action": "request", "event_outcome": "unknown"}
    return {
        "event_category": "web",
        "event_action": _STATUS_ACTIONS.get(status, "request"),
        "event_outcome": "success" if status < 400 else "failure",
        "http_status_class": f"{status // 100}xx",
    }


# --- Linux audit records (type=USER_LOGIN ... res=failed) ------------------------------------

_AUDIT = re.compile(r"type=user_(login|auth|start|end)\b")
_AUDIT_RESULT = re.compile(r"\bres=(success|failed)\b")
_AUDIT_OP = re.compile(r"\bop=(password|pubkey|publickey)\b")
_AUDIT_ACTIONS = {"login": "login", "auth": "login", "start": "session opened",
                  "end": "session closed"}  # fmt: skip


def _audit(low: str) -> dict[str, Any] | None:
    m = _AUDIT.match(low)
    result = _AUDIT_RESULT.search(low) if m else None
    if m is None or result is None:
        return None
    event = {
        "event_category": "authentication",
        "event_action": _AUDIT_ACTIONS[m.group(1)],
        "event_outcome": "success" if result.group(1) == "success" else "failure",
    }
    if event["event_action"] == "login" and (op := _AUDIT_OP.search(low)):
        event["auth_method"] = "password" if op.group(1) == "password" else "publickey"
    return event


# --- the rules --------------------------------------------------------------------------------

# How an authentication line names its method, when the rule did not capture it, most
# telling first: a method=, a SASL mechanism (postfix, sendmail, cyrus, exim), mysqld's "using
# password", then the word password. Each clue is a literal found with str.find and a pattern
# matched right after it, which keeps this cheap.
_MECHANISMS = frozenset(
    "plain login cram-md5 digest-md5 gssapi ntlm external otp apop xoauth2 oauthbearer "
    "anonymous plaintext".split()
)
_MECHANISM = "|".join(sorted(_MECHANISMS, key=len, reverse=True)) + r"|scram-sha-[\w-]{1,20}"
_METHOD_CLUES = (  # (a word the message must have, the literal, what follows it)
    (b"method", "method=", re.compile(r"[a-z][\w-]*")),
    (b"sasl", "sasl ", re.compile(r"([a-z][\w-]*) auth")),
    (b"failure", "auth failure (", re.compile(rf"({_MECHANISM})\)")),
    (b"using", "using password: ", re.compile(r"yes|no")),
    (b"badlogin", "badlogin: ", re.compile(rf"[^\]]{{0,300}}\] ({_MECHANISM})\b")),
)
_PASSWORD_WORDS = (b"password", b"passwd", b"plaintext")
_METHOD_WORDS = {"plain": "password", "login": "password", "yes": "password", "no": "no password",
                 "passwd": "password", "plaintext": "password", "keyboard-interactive/pam":
                 "keyboard-interactive", "gssapi-with-mic": "gssapi", "gssapi-keyex": "gssapi",
                 "none": "no password", "unknown": None,
                 "pubkey": "publickey"}  # fmt: skip
_METHOD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")


def _method(word: str) -> str | None:
    if word in _METHOD_WORDS:
        return _METHOD_WORDS[word]
    return word if len(word) <= 24 and _METHOD_CHARS.issuperset(word) else None


def _auth_method(rule_match: re.Match[str] | None, low: str, words: list[bytes]) -> str | None:
    if rule_match is not None and "method" in rule_match.re.groupindex:
        word = rule_match.group("method")
        if word:
            return _method(word)
    found = set(words)
    for word, clue, pattern in _METHOD_CLUES:
        at = low.find(clue) if word in found else -1
        if at >= 0 and (m := pattern.match(low, at + len(clue))):
            return _method(m.group(m.lastindex or 0))
    if b"authenticator" in found and (at := low.find(" authenticator")) > 0:
        word = low[:at].rsplit(" ", 1)[-1].rsplit("_", 1)[-1]  # exim's "dovecot_login"
        if word in _MECHANISMS:
            return _method(word)
    for password in _PASSWORD_WORDS:
        if password in found:
            return _method(password.decode())
    return None


def _event(
    rule: Rule, m: re.Match[str] | None, low: str, found: list[bytes], category: str | None
) -> dict[str, Any]:
    action = rule.action
    event: dict[str, Any] = {
        "event_category": "authentication"
        if action in _AUTHENTICATION
        else category or rule.category or ACTIONS[action],
        "event_action": action,
        "event_outcome": rule.outcome,
    }
    if action == "login" or action == "invalid user":
        event["auth_method"] = _auth_method(m, low, found)
    return event


def classify_event(fmt: str, fields: dict[str, Any], head: str | None) -> dict[str, Any] | None:
    """The event fields of an entry (a dict holding some of ``EVENT_FIELDS``), or None when
    no rule knows it. ``fmt`` and ``fields`` are a parsed entry's (``log_formats``), ``head``
    the first line of its message."""
    status = fields.get("status")
    if fmt == "access_log" or (status is not None and (fields.get("method") or fields.get("path"))):
        return _web_access(status)
    if not head:
        return None
    low = head[:_SCAN_CHARS].lower()
    if low.startswith("type=user_"):
        return _audit(low)
    found = words(low)
    category: str | None = None
    looked_up = False  # the category is looked up once a rule's key is found
    for rule in candidates(found):
        key, _, pattern, _, _, _, family = rule
        if key not in low:
            continue
        if not looked_up:
            category, looked_up = _entry_category(fmt, fields, head), True
        if family is not None and family != category:
            continue
        m = None
        if pattern is not None and (m := pattern.search(low)) is None:
            continue
        return _event(rule, m, low, found, category)
    return None
