"""The rules ``log_events`` classifies log messages by, in the order they are tried.

Each rule is a lower-case ``key`` that must occur in the lower-cased first line of a message,
an optional ``pattern`` (lower case too) that must then match in it, the ``action`` and
``outcome`` it gives, the ``category`` it has when the logging program has none of its own,
and optionally the one program ``family`` (a category) it is limited to. The phrases are what
daemons write for the events fail2ban's filters (``filter.d/*.conf``) look for, plus the
successful counterparts. Order matters where phrases overlap: mail refusals before logins
("sender verify fail ...: Unknown user"), repeated failures before single ones ("Too many
authentication failures"), unknown users before failed logins, logins before policy refusals
("access denied -- ... wrong password"), protocol errors before disconnects. Wildcards are
bounded, so no pattern backtracks much on hostile text.
"""

from __future__ import annotations

import re
from typing import NamedTuple

__all__ = ["RULES", "Rule"]


class Rule(NamedTuple):
    key: str
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
        Rule(key, re.compile(p) if p else None, action, outcome, category, family)
        for key, p in phrases.items()
    ]


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
        "relay": r"relay access denied|relaying denied|relay not permitted|relay attempt",
    }, "mail"),
    *_rules("blocked", "failure", {
        "blocked using": None, "blacklist": None, "black list": None, "blocklist": None,
        "dnsbl": None, "rblsmtpd": None, "badiprbl": None,
        "blocked": r"blocked (?:\d{1,3}\.){3}\d{1,3}",
    }, "mail"),
    *_rules("blocked", "failure", {"blocked": r"(?:tcp|udp) blocked\b"}),
    *_rules("rate limited", "failure", {
        "limit": r"limiting (?:requests|connections)|rate ?limit(?:ed|ing| exceeded| block)",
        "too many ": r"too many (?:requests|connections)",
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
        "spam": r"as spam\b|spam attack|spamassassin", "sa: action:": None,
    }, "mail"),
    *_rules("unknown recipient", "failure", {
        "unknown": r"user unknown|unknown recipient|rejected rcpt [^:]{0,300}: unknown user",
        "recipient address rejected": r"recipient address rejected: (?:user unknown|undeliverable)",
        "user <": r"user <[^>]{0,300}> unknown", "no such user here": None,
    }, "mail"),
    *_rules("message rejected", "failure", {
        "reject": r"(?:^|\s|:)(?:milter-)?reject: |rejected rcpt|rejected after data"
        r"|rejected by local_scan|\breject=\d|message from .{0,300} rejected",
        "sender verify fail": None,
    }, "mail"),
    # --- attacks a program names as such --------------------------------------------------
    *_rules("attack detected", "unknown", {
        "attack": r"possible \w+ attack|attack detected|attackalert",
        "attempt": r"hacking attempt|break-in attempt|function definition attempt",
        "function definition": None,
    }),
    *_rules("attack detected", "unknown", {
        "alert - ": r"alert - .{0,300}(?:attacker|dropped variable)",  # PHP's suhosin
    }, "web"),
    # --- repeated failures, then unknown users, then logins -----------------------------
    *_rules("too many failures", "failure", {
        "too many authentication failures": None,
        "max": r"max(?:imum)? (?:auth(?:entication)?|login) (?:tries|attempts)"
        r"|max sender authentication errors",
        "excessive login failures": None, "repeated login failures": None,
        "too much auth errors": None,
    }),
    *_rules("invalid user", "failure", {
        "user ": r"^(?:(?:error|fatal): )?(?:input_userauth_request: )?(?:invalid|illegal) user ",
        "unknown user": r"unknown user(?! or password)",
        "existent": r"non-?existent (?:user|login)",
        "no such user": None, "user not known": None, "invalidaccountid": None,
        "found": r"\buser (?:\S{0,300} |`[^']{0,300}' in realm `[^']{0,300}' )?(?:was )?not found"
        r"|usernotfound",
        "could not find": r"could not find (?:user|a login matching)",
        "can't find user": None, "exist": r"\buser \S{1,300} (?:doesn't|does not) exist",
        "no matching": r"no matching (?:peer|endpoint) found",
    }),
    *_rules("access denied", "failure", {
        "acl": r"match(?:es)? (?:endpoint )?acl|acl error|failedacl|rejected by acl"
        r"|no acl matches|denied by acl",
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
        "password": r"(?:invalid|wrong|bad|incorrect|empty) (?:[\w-]+ ){0,2}password"
        r"|password (?:mismatch|incorrect|doesn't match|does not match|verification failed)"
        r"|get_password failed",
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
        "author": r"authorization of user " + _ANY + r" failed|authorization failure",
        "not allowed": r"access not allowed|not allowed to talk|ip address not allowed",
        "rejected": r"connection (?:from \S{1,300} )?rejected|rejected connection",
        "rejecting unknown": None,
        "fail: ": r"^fail: \S+ (?:libwrap|address) from=",
        "tried to use": r"tried to use (?:disabled|disallowed) \S+ auth",
    }),
    # --- web servers -----------------------------------------------------------------------
    *_rules("file not found", "failure", {
        "does not exist": r"file does not exist", "unable to stat": None,
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
        "negotiat": r"unable to negotiate|ssl negotiation " + _ANY + "failed",
        "no matching": r"no matching [\w ]{1,60} found", "handshake": r"handshake\S* failed",
        "ssl_accept": None, "did not return a certificate": None,
    }),
    *_rules("disconnect", "failure", {
        "disconnect": r"received disconnect from .{0,200}:\s*3: " + _ANY + "auth fail",
    }),
    *_rules("disconnect", "unknown", {
        "disconnect": r"^(?:error: |fatal: )?disconnect(?:ing)?\b|\bdisconnected\b"
        r"|\bdisconnect from|received disconnect",
        "connection": r"^(?:error: |fatal: )?connection (?:closed|reset)|connection closed"
        r"|end connection|lost connection|remote closed connection|connection reset by peer",
        "client has quit": None, "hangup after": None, "command time limit": None,
    }),
    *_rules("connect", "success", {
        "connect": r"^connection from |^connect from |connection accepted from"
        r"|\bconnected to \S{1,300} from ",
        "accept from": r"\baccept from ip=",
    }),
    # --- scans and bans --------------------------------------------------------------------
    *_rules("scan", "unknown", {
        " ports ": r"^\S{1,300} to \S{1,300} ports \d", "scan": r"port ?scan",
    }),
    *_rules("ban", "success", {"] ban ": None}),
    *_rules("unban", "success", {"] unban ": None}),
    # --- processes -------------------------------------------------------------------------
    *_rules("start", "success", {"start": r"^start(?:ed|ing) "}, family="process"),
    *_rules("start", "failure", {"failed to start": r"^failed to start "}, family="process"),
    *_rules("stop", "success", {"stop": r"^stop(?:ped|ping) "}, family="process"),
    *_rules("crash", "failure", {
        "segfault at": None, "core dumped": None,
        "killed process": r"killed process \d", "out of memory": None,
    }, "process"),
])  # fmt: skip
