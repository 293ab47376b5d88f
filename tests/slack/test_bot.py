"""The bot through `lakelight serve`: signed requests in, the stand-in's recorded calls out."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from lakelight.slack.escape import escape
from tests.slack.conftest import (
    BOT_ID,
    BOT_USER,
    MARKUP,
    NO_SCOPE,
    SECRET,
    TOKEN,
    Bot,
    Call,
    direct,
    event_body,
    mention,
    new_ts,
    sign,
)

WEST = "What were the total sales in the West region?"


def in_thread(ts: str) -> Any:
    return lambda c: c.body.get("thread_ts") == ts


def texts(call: Call) -> list[str]:
    """Every text object in a message's blocks, in order."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("plain_text", "mrkdwn") and "text" in node:
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(call.body.get("blocks"))
    return found


def answer_in(bot: Bot, thread: str, timeout: float = 60) -> Call:
    """The answer posted in a thread: the reply itself, or the edit of its "Looking…"."""

    def answered(c: Call) -> bool:
        first = bot.slack.posted(in_thread(thread))
        if not first:
            return False
        if first[0].body.get("text") != "Looking…":
            return c is first[0]
        return c.method == "chat.update" and c.body["ts"] == first[0].reply["ts"]

    return bot.slack.wait(answered, timeout)[0]


def ask_in_dm(bot: Bot, question: str, user: str) -> Call:
    event = direct(question, user)
    assert bot.server.event(event).status_code == 200
    return answer_in(bot, event["ts"])


def test_healthz_says_the_bot_is_on_and_url_verification_answers(bot: Bot) -> None:
    assert httpx.get(f"{bot.server.base}/healthz").json()["slack"] == "on"
    body = json.dumps(
        {"token": "x", "challenge": "3eZbrw1aBm2rZgRNFdxV", "type": "url_verification"}
    )
    r = bot.server.post("/slack/events", body)
    assert r.status_code == 200 and r.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV"}
    unsigned = bot.server.post("/slack/events", body, headers={})
    assert unsigned.status_code == 401


def test_a_mention_is_answered_in_its_thread_with_sql_and_cited_rows(bot: Bot) -> None:
    event = mention(WEST, "UNOBODY1")
    started = time.perf_counter()
    r = bot.server.event(event)
    acked = time.perf_counter() - started
    assert r.status_code == 200 and acked < 3
    [reply] = bot.slack.wait(in_thread(event["ts"]))
    assert reply.method == "chat.postMessage" and reply.body["channel"] == "C0SALES1"
    assert reply.auth == f"Bearer {TOKEN}"
    expected = bot.ws.ask(WEST, use_llm=False)
    shown = texts(reply)
    assert expected.route == "aggregate" and escape(expected.answer) in shown
    sql = [t for t in shown if t.startswith("```")]
    assert sql and "SUM" in sql[0].upper() and "West" in sql[0]
    cited = [t for t in shown if t.startswith("sales · key ")]
    assert cited and len(cited) <= 5
    if len(expected.citations) > 5:
        assert f"and {len(expected.citations) - 5} more rows" in shown
    assert "Region: West" in shown  # the column the question names is among those shown
    buttons = [b for b in reply.body["blocks"] if b["type"] == "actions"]
    assert [e["action_id"] for e in buttons[0]["elements"]] == [
        "lakelight_rate_up",
        "lakelight_rate_down",
    ]
    assert buttons[0]["elements"][1]["value"]  # the kept answer's id


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "v0=" + "0" * 64},
        "stale",
        {"X-Slack-Signature": "v0=abc"},
        {},
        {"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=abc"},
        "other-secret",
    ],
    ids=[
        "bad-signature",
        "six-minutes-old",
        "no-timestamp",
        "no-headers",
        "bad-timestamp",
        "other-secret",
    ],
)
def test_requests_not_signed_by_slack_get_401_and_nothing_is_posted(bot: Bot, headers: Any) -> None:
    event = mention(WEST, "UNOBODY1")
    body = event_body(event)
    if headers == "stale":
        headers = sign(body, int(time.time()) - 6 * 60)
    elif headers == "other-secret":
        headers = sign(body, secret=SECRET[::-1])
    r = bot.server.post("/slack/events", body, headers=headers)
    assert r.status_code == 401 and r.json()["error"]["type"] == "authentication"
    command = urlencode({"command": "/ask", "text": WEST, "user_id": "U1", "channel_id": "C1"})
    assert (
        bot.server.post("/slack/commands", command, headers=headers, form=True).status_code == 401
    )
    time.sleep(0.5)
    assert not bot.slack.posted(in_thread(event["ts"]))


def test_bots_and_the_bot_itself_are_ignored(bot: Bot) -> None:
    events = [
        direct(WEST, BOT_USER, bot_id=BOT_ID),  # the bot's own message
        direct(WEST, "UOTHER01", bot_id="BOTHER01"),  # another bot
        direct(WEST, "UOTHER01", subtype="bot_message"),
        mention(WEST, "UOTHER02", bot_id="BOTHER02", bot_profile={"name": "x"}),
        direct(WEST, "UNOBODY1", subtype="message_changed"),
    ]
    for event in events:
        assert bot.server.event(event).status_code == 200
    control = direct(WEST, "UNOBODY1")
    bot.server.event(control)
    bot.slack.wait(in_thread(control["ts"]))  # a person's message is answered meanwhile
    for event in events:
        assert not bot.slack.posted(in_thread(event["ts"]))


def test_markup_in_a_row_arrives_escaped(bot: Bot) -> None:
    reply = ask_in_dm(bot, "What is the note of ticket 2?", "UNOBODY1")
    raw = reply.raw
    for markup in ("<!channel>", "<@U123>", "<https://x|label>"):
        assert markup not in raw
    assert escape(MARKUP) in raw  # entities, inside plain_text objects only
    shown = [t for t in texts(reply) if "&lt;!channel&gt;" in t]
    assert shown
    blocks = json.dumps(reply.body["blocks"])
    assert '"type": "mrkdwn", "text": "' + shown[0][:10] not in blocks
    assert reply.body.get("mrkdwn") is False  # the notification text is not formatted either


CUSTOMER_FACTS = ("luisg@embraer.com.br", "Embraer", "3923-5555", "Luís", "Brazil")


def test_an_unmapped_user_never_sees_a_forbidden_source(bot: Bot) -> None:
    for question in (
        "What is the email of customer 1?",
        "How many customers are there per country?",
        "Which company does customer 1 work for?",
    ):
        reply = ask_in_dm(bot, question, "UNOBODY1")
        for fact in CUSTOMER_FACTS:
            assert fact not in reply.raw
        assert not [t for t in texts(reply) if t.startswith("Customer")]  # no citation
        assert "The data does not say." in reply.raw


def test_groups_are_the_users_in_a_dm_and_the_channels_in_a_channel(bot: Bot) -> None:
    question = "What is the email of Luís Gonçalves?"
    assert "luisg@embraer.com.br" in ask_in_dm(bot, question, "USUPPORT").raw
    # in a channel nobody mapped, others read the answer: open sources only
    event = mention(question, "USUPPORT", channel="C0OPEN01")
    bot.server.event(event)
    assert "luisg@embraer.com.br" not in answer_in(bot, event["ts"]).raw
    # in the support channel, the support user's groups and the channel's meet
    event = mention(question, "USUPPORT", channel="C0SUPPORT")
    bot.server.event(event)
    assert "luisg@embraer.com.br" in answer_in(bot, event["ts"]).raw
    # the channel never widens: an unmapped user in the support channel sees nothing more
    event = mention(question, "UNOBODY1", channel="C0SUPPORT")
    bot.server.event(event)
    assert "luisg@embraer.com.br" not in answer_in(bot, event["ts"]).raw


def test_a_follow_up_in_the_thread_is_a_new_question_in_that_thread(bot: Bot) -> None:
    first = mention(WEST, "UNOBODY1")
    bot.server.event(first)
    bot.slack.wait(in_thread(first["ts"]))
    follow = mention("How many orders were shipped by First Class?", "UNOBODY1")
    follow["thread_ts"] = first["ts"]
    bot.server.event(follow)
    replies = bot.slack.wait(lambda c: len(bot.slack.posted(in_thread(first["ts"]))) >= 2)
    answers = bot.slack.posted(in_thread(first["ts"]))
    assert replies and len(answers) == 2
    expected = bot.ws.ask("How many orders were shipped by First Class?", use_llm=False)
    assert escape(expected.answer) in texts(answers[1])
    key = bot.ws.create_key(f"ops{time.time_ns()}", "")[1]
    metrics = httpx.get(f"{bot.server.base}/metrics", headers={"Authorization": f"Bearer {key}"})
    assert 'lakelight_asks_total{route="aggregate"}' in metrics.text  # Slack's asks count too
    assert 'route="/slack/events",status="200"' in metrics.text


def test_a_reply_without_a_mention_in_an_answered_thread_is_a_question(bot: Bot) -> None:
    """In a channel, a plain reply in a thread the bot answered in is answered there; a plain
    message elsewhere is not, and a reply that mentions the bot is answered once."""
    first = mention(WEST, "UNOBODY1")
    bot.server.event(first)
    bot.slack.wait(in_thread(first["ts"]))
    question = "How many orders were shipped by Second Class?"
    reply = {
        "type": "message",
        "channel_type": "channel",
        "user": "UNOBODY1",
        "text": question,
        "ts": new_ts(),
        "thread_ts": first["ts"],
        "channel": first["channel"],
    }
    bot.server.event(reply)
    bot.slack.wait(lambda c: len(bot.slack.posted(in_thread(first["ts"]))) >= 2)
    expected = bot.ws.ask(question, use_llm=False)
    assert escape(expected.answer) in texts(bot.slack.posted(in_thread(first["ts"]))[1])

    elsewhere = {**reply, "ts": new_ts(), "thread_ts": new_ts()}  # a thread it never answered
    top_level = {k: v for k, v in {**reply, "ts": new_ts()}.items() if k != "thread_ts"}
    both = mention("How many orders were shipped by First Class?", "UNOBODY1")
    both["thread_ts"] = first["ts"]
    as_message = {**both, "type": "message", "channel_type": "channel"}
    for event in (elsewhere, top_level, as_message, both):
        bot.server.event(event)
    bot.slack.wait(lambda c: len(bot.slack.posted(in_thread(first["ts"]))) >= 3)
    time.sleep(2)  # a second answer, or one elsewhere, would have arrived by now
    assert len(bot.slack.posted(in_thread(first["ts"]))) == 3
    assert not bot.slack.posted(in_thread(elsewhere["thread_ts"]))
    assert not bot.slack.posted(in_thread(top_level["ts"]))


def test_slash_command_acks_at_once_and_answers_in_the_channel(bot: Bot) -> None:
    hook = f"{bot.slack.url}/response/cmd-{time.time_ns()}"
    form = urlencode(
        {
            "token": "legacy",
            "team_id": "T0001",
            "channel_id": "C0SALES1",
            "channel_name": "sales",
            "user_id": "UNOBODY1",
            "user_name": "ana",
            "command": "/ask",
            "text": WEST,
            "response_url": hook,
            "trigger_id": "1.2.3",
        }
    )
    started = time.perf_counter()
    r = bot.server.post("/slack/commands", form, form=True)
    assert r.status_code == 200 and time.perf_counter() - started < 3
    [reply] = bot.slack.wait(lambda c: c.method == "response" and c.body.get("blocks") is not None)
    assert reply.body["response_type"] == "in_channel"
    shown = texts(reply)
    assert shown[0] == "<@UNOBODY1> asked:" and shown[1] == escape(WEST)
    assert any(t.startswith("```") for t in shown)
    empty = form.replace(urlencode({"text": WEST}), "text=")
    usage = bot.server.post("/slack/commands", empty, form=True)
    assert usage.status_code == 200 and "Ask me about your data" in usage.text


def click(bot: Bot, answer_id: str, user: str, action: str) -> httpx.Response:
    payload = {
        "type": "block_actions",
        "team": {"id": "T0001"},
        "user": {"id": user},
        "api_app_id": "A0001",
        "channel": {"id": "D0DIRECT1"},
        "container": {"type": "message", "message_ts": "1800000000.000001"},
        "trigger_id": "1.2.3",
        "response_url": f"{bot.slack.url}/response/click-{time.time_ns()}",
        "actions": [
            {
                "type": "button",
                "action_id": action,
                "block_id": "lakelight_feedback",
                "value": answer_id,
                "action_ts": str(time.time()),
            }
        ],
    }
    form = urlencode({"payload": json.dumps(payload)})
    return bot.server.post("/slack/interactions", form, form=True)


def test_a_thumbs_down_stores_feedback_for_that_answer_and_user(bot: Bot) -> None:
    reply = ask_in_dm(bot, WEST, "URATER01")
    [buttons] = [b for b in reply.body["blocks"] if b["type"] == "actions"]
    answer_id = buttons["elements"][1]["value"]
    r = click(bot, answer_id, "UOTHER03", "lakelight_rate_down")  # not the asker
    assert r.status_code == 200
    bot.slack.wait(lambda c: "Only the person who asked" in c.raw)
    assert click(bot, answer_id, "URATER01", "lakelight_rate_down").status_code == 200
    bot.slack.wait(lambda c: "your 👎 is noted" in c.raw)
    [rated] = bot.ws.feedback.rated("slack:URATER01")
    assert rated["answer_id"] == answer_id and rated["rating"] == -1
    assert rated["question"] == WEST and rated["answer"]["route"] == "aggregate"
    assert bot.ws.feedback.rated("slack:UOTHER03") == []


def test_a_retried_event_is_answered_once_also_after_a_restart(bot: Bot) -> None:
    event = direct(WEST, "UNOBODY1")
    body = event_body(event, "EvRETRY00001")
    assert bot.server.post("/slack/events", body).status_code == 200
    bot.slack.wait(in_thread(event["ts"]))
    retry = {**sign(body), "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert bot.server.post("/slack/events", body, headers=retry).status_code == 200
    refused = mention(WEST, "UNOBODY1", channel=NO_SCOPE)  # Slack refuses: a missing scope
    bot.server.event(refused)
    bot.slack.wait(lambda c: c.body.get("channel") == NO_SCOPE)
    time.sleep(0.3)
    bot.server.stop()
    assert "missing_scope" in bot.server.log[-1]  # the admin's clue is in the server's log
    bot.server.start(slack_looking_after="0")  # 0: a "Looking…" first, whatever the speed
    retry = {**sign(body), "X-Slack-Retry-Num": "2", "X-Slack-Retry-Reason": "http_timeout"}
    assert bot.server.post("/slack/events", body, headers=retry).status_code == 200
    control = direct(WEST, "UNOBODY1")
    bot.server.event(control)
    answer = answer_in(bot, control["ts"])  # the restarted bot answers new events
    [looking] = bot.slack.posted(in_thread(control["ts"]))
    assert "Looking into" in looking.raw and answer.method == "chat.update"
    assert answer.body["ts"] == looking.reply["ts"] and "```" in answer.raw
    assert len(bot.slack.posted(in_thread(event["ts"]))) == 1


@pytest.mark.e2e
def test_ack_under_3_s_with_the_local_llm_and_one_looking_message(bot: Bot) -> None:
    """The real local LLM: a lookup phrases its answer with SmolLM2, loaded (and, in a fresh
    workspace, converted) on this first use, far past Slack's 3 s; the ack is not."""
    bot.server.ensure(llm_backend="local")
    question = "What is the email of Luís Gonçalves?"
    event = direct(question, "USUPPORT")
    started = time.perf_counter()
    r = bot.server.event(event)
    acked = time.perf_counter() - started
    assert r.status_code == 200 and acked < 3, acked
    update = bot.slack.wait(
        lambda c: c.method == "chat.update" and "luisg@embraer.com.br" in c.raw, timeout=300
    )[0]
    answered = time.perf_counter() - started
    print(f"\nSlack ack {acked * 1000:.0f} ms; answer with the local LLM after {answered:.1f} s")
    posted = bot.slack.posted(in_thread(event["ts"]))
    assert len(posted) == 1 and "Looking into" in posted[0].raw  # one "Looking…", then edited
    assert update.body["ts"] == posted[0].reply["ts"]
    bot.server.ensure()
