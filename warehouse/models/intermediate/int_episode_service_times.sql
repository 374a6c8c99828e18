-- grain: one row per patient-question episode, with its times in staffed service hours and
-- the response target of the trust's local policy in force when it was asked
-- key: platform, post_id
-- Service time counts only the trust's staffed hours (its policy's staffed_hours, else Mon-Fri
-- 08:00-18:00 UK time, closed on its nation's bank holidays): service_at(t) is the staffed
-- seconds from the calendar's start to t, so a response's service time is
-- service_at(answer) - service_at(ask). The policy in force on the UK day the question was
-- asked sets the calendar for the whole episode. Unattributed questions (and trusts missing
-- from the reference data) use England's default calendar ('__default__'). The seconds are
-- staffed seconds as they actually elapsed, never rescaled to a standard day: a 24/7 trust's
-- 3 hours are 3 service hours; service_day_seconds (one of the trust's staffed days) is the
-- threshold of "within 1 service day". staffed_hours: the schedule (NULL: the default).
WITH episodes AS (
    SELECT platform, post_id, trust_code, asked_at, answered_at,
           coalesce(answered_at, data_end_at) AS stopped_at,
           (asked_at AT TIME ZONE 'Europe/London')::DATE AS asked_day
    FROM intermediate.int_episodes
),
keyed AS (
    SELECT e.*, coalesce(t.calendar_key, d.calendar_key) AS calendar_key, t.policy_version,
           t.response_target_hours, t.staffed_hours
    FROM episodes e
    LEFT JOIN staging.stg_trust_calendars t
      ON t.trust_code = e.trust_code
     AND t.valid_from <= e.asked_day AND e.asked_day < t.valid_to
    CROSS JOIN (SELECT calendar_key FROM staging.stg_trust_calendars
                WHERE trust_code = '__default__') d
),
timed AS (
    SELECT
        k.platform, k.post_id, k.answered_at, k.calendar_key, k.policy_version, k.response_target_hours,
        k.staffed_hours,
        service_at(b.service_seconds_before, b.open_utc, b.close_utc, k.stopped_at)
          - service_at(a.service_seconds_before, a.open_utc, a.close_utc, k.asked_at) AS stopped_seconds
    FROM keyed k
    JOIN staging.stg_service_calendar a
      ON a.calendar_key = k.calendar_key AND a.day = k.asked_day
    JOIN staging.stg_service_calendar b
      ON b.calendar_key = k.calendar_key AND b.day = (k.stopped_at AT TIME ZONE 'Europe/London')::DATE
)
SELECT
    t.platform,
    t.post_id,
    CASE WHEN t.answered_at IS NOT NULL THEN t.stopped_seconds END AS service_response_seconds,
    t.stopped_seconds AS service_duration_seconds,
    c.service_day_seconds,
    t.staffed_hours,
    t.policy_version,
    t.response_target_hours
FROM timed t
JOIN staging.stg_calendars c USING (calendar_key)
