"""One definition of what the figures measure, read by the SQL (queries and models), the
tables and charts, and later by scorecards, alerts and SPC:

* the response targets (answered within 1 hour, 1 service day, 3 days): their thresholds,
  clocks, column names, words and the SQL that counts them;
* the attribution labels: a post or question with no known trust is ``Unattributed`` on
  screen and has the group code ``unattributed``, with the SQL that writes both;
* the headline measures: name, label, unit, which direction is better, and the page that
  shows each in full; which of them the scorecard, the SPC charts (``spc_points``) and the
  alerts follow (:data:`HEADLINE`), their Making Data Count direction and where an assurance
  target comes from.

Values here are code constants: SQL made from them is written into queries, never user input.
"""
from __future__ import annotations

from dataclasses import dataclass

HOUR_S = 3_600
DAY_S = 86_400
# One standard service day (10 staffed hours): service durations are scaled to standard service
# seconds (warehouse.question_queries), so "within 1 service day" is one threshold for every
# trust whatever its staffed hours.
SERVICE_DAY_S = 36_000
CALENDAR, SERVICE = "calendar", "service"  # the clocks a wait is measured on


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
        """SQL over patient_questions: the episode was answered within the target. On the
        service clock the threshold is in the trust's own service days."""
        if self.clock == SERVICE:
            return f"service_response_seconds <= {self._service_days()}"
        return f"response_seconds <= {self.seconds}"

    def followed_sql(self) -> str:
        """SQL: answered within the target, or waited at least that long (a question asked an
        hour before the data ends cannot yet have failed a 3-day target)."""
        if self.clock == SERVICE:
            days = self._service_days()
            return f"service_response_seconds <= {days} OR service_duration_seconds >= {days}"
        return f"response_seconds <= {self.seconds} OR duration_seconds >= {self.seconds}"

    def _service_days(self) -> str:
        days = self.seconds / SERVICE_DAY_S
        return "service_day_seconds" if days == 1 else f"{days:g} * service_day_seconds"


TARGETS = (
    Target("1h", HOUR_S, CALENDAR, "1 h", "1 hour"),
    Target("service_day", SERVICE_DAY_S, SERVICE, "1 service day", "1 service day"),
    Target("3d", 3 * DAY_S, CALENDAR, "3 days", "3 days"),
)
TARGET = {target.code: target for target in TARGETS}


def thresholds(clock: str) -> tuple[int, ...]:
    """The targets' thresholds read off one clock's Kaplan-Meier curve."""
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


MEASURES = {m.name: m for m in (
    Measure("posts", "Posts", COUNT, NEITHER, OVERVIEW),
    Measure("accounts", "Distinct accounts", COUNT, NEITHER, OVERVIEW),
    Measure("questions", "Patient questions", COUNT, NEITHER, QUESTIONS_PAGE),
    Measure("answered", "Questions answered", SHARE, HIGHER, QUESTIONS_PAGE),
    Measure("median_wait", "Median wait", SECONDS, LOWER, RESPONSE_PAGE, POLICY_TARGET),
    Measure("median_wait_service", "Median wait (service hours)", SECONDS, LOWER, RESPONSE_PAGE),
    *(Measure(f"within_{t.code}", t.label, SHARE, HIGHER, RESPONSE_PAGE) for t in TARGETS),
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
