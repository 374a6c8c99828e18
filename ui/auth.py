"""Who is using this session, and what they may see (:mod:`store.access`).

* Login configured (an ``[auth]`` section in ``.streamlit/secrets.toml``, e.g. Microsoft Entra
  ID as NHSmail uses; docs/security.md "Security and privacy"): the page stops at a sign-in
  button until the person has signed in with ``st.login``. Then only a verified identity of the configured
  tenant (``RADSOME_TENANT_ID`` / ``[radsome] tenant_id``) is looked up in the users register
  (:func:`authorise`); anyone else is refused, and the refusal audited.
* No login configured: the dashboard runs open (:data:`store.access.DEMO`) only when the open
  demo is switched on (``RADSOME_OPEN_DEMO=1`` / ``[radsome] open_demo = true``) and every
  post is synthetic demo data (``ui.page`` decides, after this module). Otherwise it runs with
  :data:`store.access.NO_LOGIN`: counts and rates, no rows.

The scope is kept in ``st.session_state``; :mod:`ui.data` opens a connection per scope, so
every query of the session runs against the scoped views.
"""
from __future__ import annotations

import os
import re
from collections.abc import Mapping

import streamlit as st

from store import access
from ui import safe

SCOPE_KEY = "radsome_scope"
LOGIN_AUDITED_KEY = "radsome_login_audited"
LOCAL_DEMO = "Local demo: no login"
NO_LOGIN_WARNING = (
    "No login is configured and this warehouse holds real posts, so posts, questions, flags, "
    "evidence and names are hidden: only counts and rates are shown. To see posts, configure "
    "login in `.streamlit/secrets.toml` and load a users register (docs/security.md, \"Security and privacy\").")
OPEN_DEMO_ENV = "RADSOME_OPEN_DEMO"
TENANT_ENV = "RADSOME_TENANT_ID"
SECTION = "radsome"  # [radsome] in .streamlit/secrets.toml
OPEN_DEMO_IGNORED = (
    f"The open demo ({OPEN_DEMO_ENV} / `[radsome] open_demo`) is ignored because login is "
    "configured: everyone signs in.")
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_YES = {"1", "true", "yes", "on"}


def login_configured() -> bool:
    """True when ``.streamlit/secrets.toml`` (or Streamlit's secrets) has an ``[auth]`` section."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all  # noqa: BLE001
        return False


def setting(env: str, key: str) -> tuple[str | None, str]:
    """A dashboard setting and where it came from: the environment variable ``env``, else
    ``key`` in the ``[radsome]`` section of the secrets, else ``env`` at their top level."""
    value = os.environ.get(env)
    if value not in (None, ""):
        return str(value), env
    try:
        section = st.secrets.get(SECTION) or {}
        if section.get(key) not in (None, ""):
            return str(section[key]), f"[{SECTION}] {key}"
        if st.secrets.get(env) not in (None, ""):
            return str(st.secrets[env]), env
    except Exception:  # no secrets file at all  # noqa: BLE001
        pass
    return None, env


def open_demo_requested() -> bool:
    """The open-demo setting is on (whatever else is configured); an unreadable value is off."""
    value, _ = setting(OPEN_DEMO_ENV, "open_demo")
    return (value or "").strip().lower() in _YES


def open_demo() -> bool:
    """The dashboard may run open on demo data: the setting is on and no login is configured."""
    return open_demo_requested() and not login_configured()


def current_scope() -> access.Scope:
    """The session's scope; the most restrictive one until :func:`resolve` has run."""
    return st.session_state.get(SCOPE_KEY, access.NO_LOGIN)


def remember(scope: access.Scope) -> access.Scope:
    st.session_state[SCOPE_KEY] = scope
    return scope


def tenant() -> tuple[str | None, str | None]:
    """(the configured Entra ID tenant id, lower case; a problem with the setting or None)."""
    value, where = setting(TENANT_ENV, "tenant_id")
    if not value:
        return None, (f"no tenant is configured: set {TENANT_ENV} or `[{SECTION}] tenant_id` to your "
                      "Entra ID tenant's id")
    value = value.strip().lower()
    if not _GUID.match(value):
        return None, f"{where} is not a tenant id (a GUID such as 00000000-0000-0000-0000-000000000000)"
    return value, None


def issuers(tenant_id: str) -> set[str]:
    """The ``iss`` values of Entra ID tokens from ``tenant_id`` (v2.0 and v1.0 endpoints)."""
    return {f"https://login.microsoftonline.com/{tenant_id}/v2.0", f"https://sts.windows.net/{tenant_id}"}


def _true(value) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def authorise(claims: Mapping, tenant_id: str | None, problem: str | None = None):
    """(users-register row or None, who for the audit, why refused or None) for the ID-token
    ``claims`` of a signed-in person. Admitted only: a token of the configured tenant (``tid``
    and ``iss``), keyed on the object id ``oid`` when the register carries it, else on the
    ``email`` claim when it is verified (``email_verified`` true, or Entra ID's ``xms_edov``:
    the tenant owns the address's domain). ``preferred_username`` and ``upn`` are never used:
    a user can type them."""
    oid = str(claims.get("oid") or "").strip().lower()
    email = str(claims.get("email") or "").strip().lower()
    who = email or oid or str(claims.get("sub") or "unknown")
    if tenant_id is None:
        return None, who, problem or "no tenant is configured"
    tid = str(claims.get("tid") or "").strip().lower()
    if tid != tenant_id:
        return None, who, f"the account belongs to another tenant ({tid or 'none'})"
    if str(claims.get("iss") or "").strip().rstrip("/") not in issuers(tenant_id):
        return None, who, "the token was not issued by the configured tenant"
    if oid:
        row = access.find_user_by_oid(oid)
        if row is not None:
            return row, row["email"], None
    if not email:
        return None, who, "the token carries no e-mail address and its object id is not registered"
    if not (_true(claims.get("email_verified")) or _true(claims.get("xms_edov"))):
        return None, who, "the e-mail address is not verified (no email_verified or xms_edov claim)"
    row = access.find_user(email)
    if row is None:
        return None, who, "not in the users register"
    if row.get("oid") and row["oid"] != oid:
        return None, who, "the users register ties this address to another account (oid)"
    return row, row["email"], None


def _claims() -> dict:
    user = st.user
    return user.to_dict() if hasattr(user, "to_dict") else dict(user)


def resolve() -> access.Scope:
    """Decide the session's scope (stopping the page at sign-in or refusal) and remember it:
    the signed-in user's, or :data:`store.access.NO_LOGIN` when no login is configured (the
    open demo is decided by ``ui.page`` once the data are known)."""
    remember(access.NO_LOGIN)
    if not login_configured():
        return access.NO_LOGIN
    if open_demo_requested():
        st.warning(OPEN_DEMO_IGNORED, icon="🔒")
    if not st.user.is_logged_in:
        st.title("RadSoMe")
        st.markdown("Sign in with your organisation's account to see your services' social-media "
                    "engagement and compliance.")
        st.button("Sign in", key="sign_in", on_click=st.login, type="primary")
        st.stop()
    tenant_id, problem = tenant()
    user, who, why = authorise(_claims(), tenant_id, problem)
    if user is None:
        if st.session_state.get(LOGIN_AUDITED_KEY) != f"denied:{who}":
            access.audit(access.Scope("none", who), "denied", why)
            st.session_state[LOGIN_AUDITED_KEY] = f"denied:{who}"
        st.title("RadSoMe")
        st.error(f"{safe.literal(who)} cannot use RadSoMe: {safe.literal(why)}. Ask your RadSoMe "
                 "administrator to add you to the users register, or sign in with your "
                 "organisation's account.")
        st.button("Sign out", key="sign_out_denied", on_click=st.logout)
        st.stop()
    scope = access.scope_for(user)
    if st.session_state.get(LOGIN_AUDITED_KEY) != scope.user:
        access.audit(scope, "login", scope.describe())
        st.session_state[LOGIN_AUDITED_KEY] = scope.user
    return remember(scope)


def caption(scope: access.Scope) -> str:
    """The line under every page title saying who is looking and what they may see (Markdown)."""
    if scope.role == "demo":
        return LOCAL_DEMO
    if scope.role == "no_login":
        return "No login configured: counts and rates only"
    return f"Signed in as {safe.literal(scope.user)} · {scope.describe()}"


def sidebar(scope: access.Scope) -> None:
    if not scope.signed_in:
        return
    with st.sidebar:
        st.caption(f"Signed in as {safe.literal(scope.user)}  \n{scope.describe()}")
        st.button("Sign out", key="sign_out", on_click=st.logout)
