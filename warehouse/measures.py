"""One definition of what the figures measure, read by the SQL (queries and models), the
tables and charts, the pages, and later by scorecards, alerts and SPC:

* the response targets (answered within 1 hour, 1 service day, 3 days): their thresholds,
  clocks, column names, words and the SQL that counts them;
* what counts as an answer and what only acknowledges a question (automatic replies), with the
  limits the build's acknowledgement model uses;
* the attribution labels: a post or question with no known trust is ``Unattributed`` on
  screen and has the group code ``unattributed``, with the SQL that writes both;
* the headline measures: name, label, unit, which direction is better, the page that shows
  each in full, and the one sentence that defines it (:data:`DEFINITIONS`), shown on every
  page where the number is; which of them the scorecard, the SPC charts (``spc_points``) and
  the alerts follow (:data:`HEADLINE`), their Making Data Count direction and where an
  assurance target comes from.

Values here are code constants: SQL made from them is written into queries, never user input.
"""
from __future__ import annotations

from dataclasses import dataclass

HOUR_S = 3_600
DAY_S = 86_400
# The clocks and scales a wait is measured on. CALENDAR: seconds as they pass. SERVICE: the
# trust's staffed seconds as they actually elapsed (never rescaled to a standard day).
# SERVICE_DAYS: the wait in the trust's own service days, written as DAY_S "ticks" per service
# day so that one histogram and Kaplan-Meier code serve every scale; it exists only to read
# "answered within 1 service day" when trusts with different staffed days are pooled (a wait
# T with the trust's service day D is within it when T / D <= 1).
CALENDAR, SERVICE, SERVICE_DAYS = "calendar", "service", "service_days"


# --- response targets ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    """Answered within ``seconds`` on ``clock``. ``code`` names its columns (``n_answered_<code>``,
    ``n_followed_<code>``: answered within it, and followed up for at least it)."""

    code: str
    seconds: int
    clock: str
    short: str  # "1 h": table headings, chart lines
    words: str  # "1 hour": sentences and metric labels

    @property
    def label(self) -> str:
        """'Within 1 hour'."""
        return f"Within {self.words}"

    def answered_sql(self) -> str:
        """SQL over patient_questions: the episode was answered within the target. In service
        days the threshold is the trust's own staffed day (``service_day_seconds``), compared
        with the staffed seconds that actually elapsed."""
        if self.clock == SERVICE_DAYS:
            return f"service_response_seconds <= {self._service_days()}"
        return f"response_seconds <= {self.seconds}"

    def followed_sql(self) -> str:
        """SQL: answered within the target, or waited at least that long (a question asked an
        hour before the data ends cannot yet have failed a 3-day target)."""
        if self.clock == SERVICE_DAYS:
            days = self._service_days()
            return f"service_response_seconds <= {days} OR service_duration_seconds >= {days}"
        return f"response_seconds <= {self.seconds} OR duration_seconds >= {self.seconds}"

    def _service_days(self) -> str:
        days = self.seconds / DAY_S  # DAY_S ticks are one of the trust's service days
        return "service_day_seconds" if days == 1 else f"{days:g} * service_day_seconds"


TARGETS = (
    Target("1h", HOUR_S, CALENDAR, "1 h", "1 hour"),
    Target("service_day", DAY_S, SERVICE_DAYS, "1 service day", "1 service day"),
    Target("3d", 3 * DAY_S, CALENDAR, "3 days", "3 days"),
)
TARGET = {target.code: target for target in TARGETS}


def thresholds(clock: str) -> tuple[int, ...]:
    """The targets' thresholds read off one clock's (or scale's) Kaplan-Meier curve."""
    return tuple(t.seconds for t in TARGETS if t.clock == clock)


def target_counts_sql(followed: bool = True) -> str:
    """SQL select list: for each target, ``n_answered_<code>`` and (with ``followed``)
    ``n_followed_<code>``, counted over patient_questions rows."""
    columns = []
    for t in TARGETS:
        columns.append(f"count(*) FILTER (WHERE {t.answered_sql()}) AS n_answered_{t.code}")
        if followed:
            columns.append(f"count(*) FILTER (WHERE {t.followed_sql()}) AS n_followed_{t.code}")
    return ",\n    ".join(columns)


# --- nations ------------------------------------------------------------------------------------
# The code of each nation of the reference data's trusts (service calendars, SPC units).
NATION_CODES = {"England": "ENG", "Wales": "WLS", "Scotland": "SCT", "Northern Ireland": "NIR"}
ENGLAND = NATION_CODES["England"]


def nation_code_sql(column: str) -> str:
    """SQL: the nation code of a nation name column (``trusts.nation``); England when unknown."""
    cases = " ".join(f"WHEN '{name}' THEN '{code}'" for name, code in NATION_CODES.items())
    return f"CASE {column} {cases} ELSE '{ENGLAND}' END"


# --- answers and acknowledgements -----------------------------------------------------------------
# A reply by a professional or organisation account answers a question only when it is not
# automatic (warehouse/models/intermediate/int_automatic_replies.sql). Automatic replies
# acknowledge: they are shown as "acknowledged" and never stop the clock. The limits:
#
# * a template: the account sent the same text (lower case, letters only, @handles and links
#   dropped; among replies that open alike, a cheap first pass without regular expressions,
#   which cost a third of the model on every reply) at least TEMPLATE_MIN_REPEATS times, in
#   reply to posts of at least
#   TEMPLATE_MIN_KINDS kinds (a question's topic, or "not a question"). A canned answer fits
#   one topic; a message that goes to every kind of post is not answering any of them.
# * too fast: a reply of at least FAST_REPLY_MIN_CHARS characters (without @handles and links)
#   less than FAST_REPLY_SECONDS after the post it replies to. 60 characters in under 10 s is
#   over 6 characters a second (72 words a minute) with no time at all to read the question,
#   over 100 words a minute with 3 s to read it. In the largest typing study (Dhakal et al.,
#   CHI 2018: 168,000 volunteers copying sentences shown on screen, so no time to think) the
#   mean was about 52 words a minute; a reply that fast was written before the question was.
# * the registry marks the account ``automated``, or its platform marks it as a bot (Mastodon's
#   ``account.bot``; the X, Bluesky, Facebook and Reddit recordings carry no such marker).
TEMPLATE_MIN_REPEATS = 5
TEMPLATE_MIN_KINDS = 3
FAST_REPLY_SECONDS = 10
FAST_REPLY_MIN_CHARS = 60
ACKNOWLEDGEMENT_REASONS = {  # reason code -> words, in the order the model picks the first
    "registry": "the account registry marks the account as automated",
    "platform": "the platform marks the account as a bot",
    "template": "the account sends the same text to many kinds of post",
    "too_fast": "a long reply sent faster than anyone could type it",
}


# --- attribution ----------------------------------------------------------------------------------

UNATTRIBUTED = "unattributed"  # the group (region, trust) code of posts with no known trust
UNATTRIBUTED_LABEL = "Unattributed"


def group_code_sql(column: str) -> str:
    """SQL: a region or trust code, ``unattributed`` where it is NULL."""
    return f"coalesce({column}, '{UNATTRIBUTED}')"


def name_sql(code: str, name: str) -> str:
    """SQL: the name of a region or trust whose code is the column ``code`` (NULL: no trust),
    ``Unattributed`` when there is none, the code itself when the name is unknown."""
    return f"CASE WHEN {code} IS NULL THEN '{UNATTRIBUTED_LABEL}' ELSE coalesce({name}, {code}) END"


def group_name_sql(code: str, name: str) -> str:
    """As :func:`name_sql`, for a group code made by :func:`group_code_sql`."""
    return f"CASE WHEN {code} = '{UNATTRIBUTED}' THEN '{UNATTRIBUTED_LABEL}' ELSE coalesce({name}, {code}) END"


# --- headline measures ------------------------------------------------------------------------------

COUNT, SHARE, SECONDS, PER_1000 = "count", "share", "seconds", "per_1000"  # units (share: 0 to 1)
HIGHER, LOWER, NEITHER = "higher", "lower", ""  # which direction is better ("": a volume)
OVERVIEW, QUESTIONS_PAGE = "dashboard.py", "pages/2_Patient_questions.py"
RESPONSE_PAGE, FLAGS_PAGE = "pages/3_Response_times.py", "pages/5_Guideline_flags.py"


# Where a measure's assurance target (SPC) comes from: the response target of the trust's local
# policy in force (calendar hours; warehouse/models/marts/trust_policies.sql). No other figure
# has a target that anybody set, so the others get no assurance icon rather than an invented one.
POLICY_TARGET = "policy_response_target"


@dataclass(frozen=True)
class Measure:
    name: str
    label: str
    unit: str
    better: str
    page: str
    target: str | None = None  # where its SPC assurance target comes from (POLICY_TARGET), or None
    definition: str = ""  # one sentence, shown wherever the number is


# One sentence each, shown on the page where the number is (DESIGN.md "Episode and response
# time"); docs/methods.md says the same.
DEFINITIONS = {
    "questions": ("A patient question is a post by a member of the public asking for information, help or "
                  "reassurance about health care or an imaging service, together with their follow-ups until it is "
                  "answered."),
    "answered": ("A question is answered when a professional or organisation account first replies to it, to "
                 "the asker's follow-ups or in the asker's branch of the thread — a reply to another person, "
                 "an automatic acknowledgement or a bot does not count — and “answered so far” is the share "
                 "of all questions, unanswered ones included."),
    "acknowledged": ("Acknowledged: before any answer the asker got an automatic reply (from an account the "
                     "registry marks as automated or its platform marks as a bot, a text the account sends to "
                     "every kind of post, or a long reply faster than anyone could type), which does not stop "
                     "the clock."),
    "open": ("Still unanswered: questions with no answer yet, including those only acknowledged "
             "automatically."),
    "median_wait": ("Median wait: the time by which half of all questions had a first answer (Kaplan–Meier, "
                    "unanswered questions counted as still waiting; “not reached” when fewer than half are "
                    "answered)."),
    "within_1h": "Within 1 hour: the share of questions answered within 60 minutes of being asked (Kaplan–Meier).",
    "within_service_day": ("Within 1 service day: the share answered within one of the trust's own staffed days "
                           "(its policy's staffed hours; Mon–Fri 08:00–18:00, 10 hours, by default), counting "
                           "only staffed time (Kaplan–Meier)."),
    "within_3d": "Within 3 days: the share of questions answered within 72 hours of being asked (Kaplan–Meier).",
    "service_hours": ("Service hours are the trust's staffed hours that actually elapsed, on its own schedule and "
                      "its nation's bank holidays, never rescaled: a 24/7 service's 3 hours are 3 service "
                      "hours."),
    "stamped_early": ("A reply stamped before the question it replies to (an edit or a clock difference) answers "
                      "it after 0 seconds and is counted on the Data health page."),
}


def definitions(*names: str) -> str:
    """The sentences of ``names`` (keys of :data:`DEFINITIONS`) as one paragraph."""
    return " ".join(DEFINITIONS[n] for n in names)


MEASURES = {m.name: m for m in (
    Measure("posts", "Posts", COUNT, NEITHER, OVERVIEW),
    Measure("accounts", "Distinct accounts", COUNT, NEITHER, OVERVIEW),
    Measure("questions", "Patient questions", COUNT, NEITHER, QUESTIONS_PAGE, definition=DEFINITIONS["questions"]),
    Measure("answered", "Questions answered", SHARE, HIGHER, QUESTIONS_PAGE, definition=DEFINITIONS["answered"]),
    Measure("acknowledged", "Acknowledged automatically", SHARE, HIGHER, QUESTIONS_PAGE,
            definition=DEFINITIONS["acknowledged"]),
    Measure("median_wait", "Median wait", SECONDS, LOWER, RESPONSE_PAGE, POLICY_TARGET,
            definition=DEFINITIONS["median_wait"]),
    Measure("median_wait_service", "Median wait (service hours)", SECONDS, LOWER, RESPONSE_PAGE,
            definition=DEFINITIONS["median_wait"] + " " + DEFINITIONS["service_hours"]),
    *(Measure(f"within_{t.code}", t.label, SHARE, HIGHER, RESPONSE_PAGE, definition=DEFINITIONS[f"within_{t.code}"])
      for t in TARGETS),
    Measure("flags", "Flags per 1,000 staff posts", PER_1000, LOWER, FLAGS_PAGE),
    Measure("confirmed_flags", "Confirmed flags per 1,000 staff posts", PER_1000, LOWER, FLAGS_PAGE),
    Measure("within_target", "Answered within the trust's target", SHARE, HIGHER, FLAGS_PAGE),
    Measure("signposting", "Answers that signpost", SHARE, HIGHER, FLAGS_PAGE),
    Measure("compassion", "Answers with compassion", SHARE, HIGHER, FLAGS_PAGE),
)}

# The headline measures, in the order a scorecard, the SPC page and a digest list them.
HEADLINE = ("questions", "answered", "median_wait", "median_wait_service", "within_target", "flags",
            "confirmed_flags", "signposting", "compassion")

# Making Data Count's "improvement direction" of each kind of measure (NHSRplotthedots' names).
MDC_DIRECTION = {HIGHER: "increase", LOWER: "decrease", NEITHER: "neutral"}


def improvement_direction(name: str) -> str:
    """The measure's direction for SPC: 'increase', 'decrease' or 'neutral' (a volume)."""
    return MDC_DIRECTION[MEASURES[name].better]
