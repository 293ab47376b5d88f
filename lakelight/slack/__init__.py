"""The Slack face: Bolt's async app answering mentions, direct messages, a slash command and
👍/👎 buttons with the same ``ask`` and access control as the API. Only formatting, escaping
and event handling live here; ``lakelight serve`` mounts it beside the API when
LAKELIGHT_SLACK_BOT_TOKEN and LAKELIGHT_SLACK_SIGNING_SECRET are set."""

from lakelight.slack.bot import build_bolt_app, slack_problem
from lakelight.slack.routes import PATHS, mount_slack

__all__ = ["PATHS", "build_bolt_app", "mount_slack", "slack_problem"]
