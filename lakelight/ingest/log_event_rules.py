"""The rules ``log_events`` classifies log messages by, in the order they are tried.

Each rule is a lower-case ``key`` phrase that must occur in the lower-cased first line of a
message, an optional ``pattern`` (lower case too) that must then match in it, the ``action``
and ``outcome`` it gives, the ``category`` it has when the logging program has none of its
own, and optionally the one program ``family`` (a category) it is limited to. The phrases are
what daemons write for the events fail2ban's filters (``filter.d/*.conf``) look for, plus the
successful counterparts.

Order matters where phrases overlap: mail refusals before logins ("sender verify fail ...:
Unknown user"), repeated failures before single ones ("Too many authentication failures"),
unknown users before failed logins, logins before policy refusals ("access denied -- ...
wrong password"), protocol errors before disconnects.

Speed: a rule is only tried when its ``word`` (the longest word of its key) is a word of the
message, so each message meets the handful of rules its words call up (``candidates``), not
all of them. A key's longest word must therefore be a whole word wherever the key occurs
("rate limited" and "ratelimit" are two keys, not "limit"). Wildcards are bounded, so no
pattern backtracks much on hostile text.
"""

from __future__ import annotations

import re
from typing import NamedTuple

__all__ = ["RULES", "Rule", "candidates", "words"]

_WORD = re.compile(r"[a-z]+")
# bytes.translate + split finds the words of a line several times faster than a regex
_NOT_LETTERS = bytes(c if 97 <= c <= 122 else 32 for c in range(256))


def words(low: str) -> list[bytes]:
    """The words (runs of a-z) of a lower-cased text, as ASCII bytes."""
    return low.encode("ascii", "replace").translate(_NOT_LETTERS).split()


class Rule(NamedTuple):
    key: str
    word: str
    pattern: re.Pattern[str] | None
    action: str
    outcome: str
    category: str | None = None
    family: str | None = None


def _rules(
    action: str,
    outcome: str,
    phrases: dict[str, str | None],
    category: str | None = None,
    family: str | None = None,
) -> list[Rule]:
    """One rule per key → pattern (None: the key alone decides)."""
    return [
        Rule(key, max(_WORD.findall(key), key=len), re.compile(p) if p else None, action,
             outcome, category, family)
        for key, p in phrases.items()
    ]  # fmt: skip


# sshd's "Accepted password for", "Failed keyboard-interactive/pam for"; the method is kept
_SSH_METHOD = (
    r"(?P<method>password|publickey|keyboard-interactive(?:/pam)?|hostbased|gssapi-with-mic"
    r"|gssapi-keyex|gssapi|none|unknown) for "
)
_ANY = ".{0,300}"  # a bounded wildcard

RULES: tuple[Rule, ...] = tuple([
    # --- ssh-style logins, whose method is in the message --------------------------------
    *_rules("login", "success", {"accepted ": "accepted " + _SSH_METHOD}),
    *_rules("login", "failure", {"failed ": "failed " + _SSH_METHOD}),
    # --- mail ------------------------------------------------------------------------------
    *_rules("relay denied", "failure", {
        "relay": r"relay access denied|relay not permitted|relay attempt",
        "relaying denied": None,
    }, "mail"),
    *_rules("blocked", "failure", {
        "blocked using": None, "blacklist": None, "black list": None, "blocklist": None,
        "dnsbl": None, "rblsmtpd": None, "badiprbl": None,
        "blocked": r"blocked (?:\d{1,3}\.){3}\d{1,3}",
    }, "mail"),
    *_rules("blocked", "failure", {"blocked": r"(?:tcp|udp) blocked\b"}),
    *_rules("rate limited", "failure", {
        "limiting": r"limiting (?:requests|connections)", "rate limit": None,
        "rate limited": None, "rate limiting": None, "ratelimit": None,
        "too many requests": None, "too many connections": None,
    }),
    *_rules("probe", "unknown", {
        "did not issue mail": None, "no mail in smtp connection": None,
    }, "mail"),
    *_rules("probe", "failure", {
        "[rejected]": r"(?:expn|vrfy) \S{0,300} \[rejected\]", "reject: vrfy": None,
    }, "mail"),
    *_rules("bad protocol", "failure", {
        "improper command pipelining": None, "synchronization error": None,
        "smtp protocol error": None, "protocol errors": None, "pregreet": None,
        "pre-greeting traffic": None, "too many nonmail commands": None,
        "too many errors after": None, "command count limit": None,
        "command length limit": None,
    }, "mail"),
    *_rules("spam", "unknown", {
        "spam": r"as spam\b|spam attack", "spamassassin": None, "sa: action:": None,
    }, "mail"),
    *_rules("unknown recipient", "failure", {
        "unknown": r"user unknown|unknown recipient|rejected rcpt [^:]{0,300}: unknown user",
        "recipient address rejected": r"recipient address rejected: (?:user unknown|undeliverable)",
        "user <": r"user <[^>]{0,300}> unknown", "no such user here": None,
    }, "mail"),
    *_rules("message rejected", "failure", {
        "reject": r"reject(?:: |=\d)",
        "rejected": r"rejected rcpt|rejected after data|rejected by local_scan"
        r"|message from .{0,300} rejected",
        "sender verify fail": None,
    }, "mail"),
    # --- attacks a program names as such --------------------------------------------------
    *_rules("attack detected", "unknown", {
        "attack": r"possible \w+ attack|attack detected", "attackalert": None,
        "attempt": r"hacking attempt|break-in attempt|function definition attempt",
        "function definition": None,
    }),
    *_rules("attack detected", "unknown", {
        "alert - ": r"alert - .{0,300}(?:attacker|dropped variable)",  # PHP's suhosin
    }, "web"),
    # --- repeated failures, then unknown users, then logins -----------------------------
    *_rules("too many failures", "failure", {
        "too many authentication failures": None,
        "max": r"max (?:auth(?:entication)?|login) (?:tries|attempts)"
        r"|max sender authentication errors",
        "maximum": r"maximum (?:auth(?:entication)?|login) (?:tries|attempts)",
        "excessive login failures": None, "repeated login failures": None,
        "too much auth errors": None,
    }),
    *_rules("invalid user", "failure", {
        "user ": r"^(?:(?:error|fatal): )?(?:input_userauth_request: )?(?:invalid|illegal) user ",
        "unknown user": r"unknown user(?! or password)",
        "nonexistent": r"nonexistent (?:user|login)",
        "non-existent": r"non-existent (?:user|login)",
        "no such user": None, "user not known": None, "invalidaccountid": None,
        "found": r"\buser (?:\S{0,300} |`[^']{0,300}' in realm `[^']{0,300}' )?(?:was )?not found",
        "usernotfound": None,
        "could not find": r"could not find (?:user|a login matching)", "can't find user": None,
        "exist": r"\buser \S{1,300} (?:doesn't|does not) exist",
        "no matching": r"no matching (?:peer|endpoint) found",
    }),
    *_rules("access denied", "failure", {
        "acl": r"match(?:es)? (?:endpoint )?acl|acl error|rejected by acl|no acl matches"
        r"|denied by acl",
        "failedacl": None,
    }),
    *_rules("access denied", "failure", {"drop in acl": None}, "mail"),  # exim
    *_rules("login", "success", {
        "authentication: succeeded": None, "login success": None, "successful login": None,
        "login successful": None, "successfully authenticated": None,
        "is now logged in": None, "ok login": None, "sasl_username=": None,
        "-login: login: ": None,
        "authentication succe": r"authentication succe(?:eded|ssful)",
    }),
    *_rules("login", "failure", {
        "authentication failure": None, "authentication failed": None,
        "authentication error": None, "auth failed": None, "auth failure": None,
        "failed to authenticate": None, "pam_authenticate() failed": None,
        "authentication": r"failed (?:[\w-]{1,40} ){0,2}authentication|authentication attempt "
        + _ANY + r"\bfailed\b|wrong authentication scheme",
        "login failed": None, "fail login": None, "failed to login": None, "badlogin": None,
        "login": r"failed (?:\w+ )?login|login attempt failed|login with username "
        + _ANY + r"\bfailed\b|login denied|login error|invalid login|login incorrect",
        "logon failure": None, "access denied for user": None, "invalid credentials": None,
        "incorrect authentication data": None, "unknown user or password": None,
        "user denied": None, "authentication: failed": None,
        "invalidpassword": None, "challengeresponsefailed": None,
        "password ": r"password (?:mismatch|incorrect|doesn't match|does not match"
        r"|verification failed)",
        "password": r"(?:invalid|wrong|bad|incorrect|empty) (?:[\w-]+ ){0,2}password",
        "get_password failed": None,
        "registration from": r"registration from " + _ANY + r" failed for",
        "nonce": r"invalid nonce", "realm mismatch": None, "unknown algorithm": None,
        "invalid qop": None,
    }),
    # --- sessions ------------------------------------------------------------------------
    *_rules("session opened", "success", {"session opened": None}),
    *_rules("session closed", "unknown", {"session closed": None}),
    # --- refused by policy -----------------------------------------------------------------
    *_rules("access denied", "failure", {
        "not allowed because": None, "login refused": None, "root login": None,
        "login not allowed": None,
    }, "authentication"),
    *_rules("access denied", "failure", {
        "tcp_denied/": None, "is forbidden": None,
    }, "web"),
    *_rules("access denied", "failure", {
        "denied": r"access denied|permission denied|denied by server configuration"
        r"|(?:query|transfer|update|notify)(?: \(cache\))? '[^']{0,300}' denied",
        "refused": r"refused connect from|axfr for " + _ANY + " refused",
        "bad zone transfer request": None,  # named: not authoritative for the zone
        "authorization": r"authorization of user " + _ANY + r" failed|authorization failure",
        "allowed": r"access not allowed|not allowed to talk|ip address not allowed",
        "rejected": r"connection (?:from \S{1,300} )?rejected|rejected connection",
        "rejecting unknown": None,
        "fail: ": r"^fail: \S+ (?:libwrap|address) from=",
        "tried to use": r"tried to use (?:disabled|disallowed) \S+ auth",
    }),
    # --- web servers -----------------------------------------------------------------------
    *_rules("file not found", "failure", {
        "file does not exist": None, "unable to stat": None,
        "primary script unknown": None, "no such file or directory": None,
        "is not found (2:": None,
    }),
    *_rules("bad request", "failure", {
        "in request": r"invalid (?:uri|method) in request",
        "request failed": r"request failed: (?:uri too long|erroneous characters|error reading)",
        "client sent invalid": r"client sent invalid (?:request|header|method|host|chunked)",
        "provided via sni": None,
    }, "web"),
    # --- connections -----------------------------------------------------------------------
    *_rules("bad protocol", "failure", {
        "identification": r"did not receive identification string"
        r"|bad protocol version identification|kex_exchange_identification",
        "banner exchange": None, "too many invalid commands": None,
    }),
    *_rules("handshake failed", "failure", {
        "negotiate": r"unable to negotiate", "negotiation": r"ssl negotiation " + _ANY + "failed",
        "no matching": r"no matching [\w ]{1,60} found", "handshake": r"handshake\S* failed",
        "ssl_accept": None, "did not return a certificate": None,
    }),
    *_rules("disconnect", "failure", {
        "disconnect": r"received disconnect from .{0,200}:\s*3: " + _ANY + "auth fail",
    }),
    *_rules("disconnect", "unknown", {
        "disconnect": r"^(?:error: |fatal: )?disconnect\b|\bdisconnect from|received disconnect",
        "disconnected": None, "disconnecting": r"^(?:error: |fatal: )?disconnecting\b",
        "connection": r"^(?:error: |fatal: )?connection (?:closed|reset)|connection closed"
        r"|end connection|lost connection|remote closed connection|connection reset by peer",
        "client has quit": None, "hangup after": None, "command time limit": None,
    }),
    *_rules("connect", "success", {
        "connection": r"^connection from |connection accepted from",
        "connect": r"^connect from ", "connected": r"\bconnected to \S{1,300} from ",
        "accept from": r"\baccept from ip=",
    }),
    # --- scans and bans --------------------------------------------------------------------
    *_rules("scan", "unknown", {
        " ports ": r"^\S{1,300} to \S{1,300} ports \d", "port scan": None, "portscan": None,
    }),
    *_rules("ban", "success", {"] ban ": None}),
    *_rules("unban", "success", {"] unban ": None}),
    # --- processes -------------------------------------------------------------------------
    *_rules("start", "success", {
        "started": r"^started ", "starting": r"^starting ",
    }, family="process"),
    *_rules("start", "failure", {"failed to start": r"^failed to start "}, family="process"),
    *_rules("stop", "success", {
        "stopped": r"^stopped ", "stopping": r"^stopping ",
    }, family="process"),
    *_rules("crash", "failure", {
        "segfault at": None, "core dumped": None,
        "killed process": r"killed process \d", "out of memory": None,
    }, "process"),
])  # fmt: skip

_BY_WORD: dict[bytes, tuple[int, ...]] = {}
for _i, _rule in enumerate(RULES):
    _w = _rule.word.encode()
    _BY_WORD[_w] = (*_BY_WORD.get(_w, ()), _i)
_RULE_WORDS = frozenset(_BY_WORD)
# Lines of one log share few combinations of rule words, so the ordered rules of each
# combination are worked out once.
_CANDIDATES: dict[frozenset[bytes], tuple[Rule, ...]] = {}
_MAX_CACHED = 4096


def candidates(found: list[bytes]) -> tuple[Rule, ...]:
    """The rules whose word is one of ``found`` (a message's ``words``), in rule order."""
    present = _RULE_WORDS.intersection(found)  # in C: no Python loop over every word
    rules = _CANDIDATES.get(present)
    if rules is None:
        rules = tuple(RULES[i] for i in sorted({i for w in present for i in _BY_WORD[w]}))
        if len(_CANDIDATES) >= _MAX_CACHED:
            _CANDIDATES.clear()
        _CANDIDATES[present] = rules
    return rules
