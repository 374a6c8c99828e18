"""Who is using this session, and what they may see (:mod:`store.access`).

* Login configured (an ``[auth]`` section in ``.streamlit/secrets.toml``, e.g. Microsoft Entra
  ID as NHSmail uses; docs/security.md "Security and privacy"): the page stops at a sign-in button until
  the person has signed in with ``st.login``, then their e-mail is looked up in the users
  register; someone signed in but not in it is refused (and the refusal audited).
* No login configured: the dashboard runs open only on synthetic demo data (every page says
  so); on a warehouse holding real posts it runs with :data:`store.access.NO_LOGIN`,
  which reads counts and rates but no post text, and says how to configure login.

The scope is kept in ``st.session_state``; :mod:`ui.data` opens a connection per scope, so
every query of the session runs against the scoped views.
"""
from __future__ import annotations

import streamlit as st

from store import access

SCOPE_KEY = "radsome_scope"
LOGIN_AUDITED_KEY = "radsome_login_audited"
LOCAL_DEMO = "Local demo: no login"
NO_LOGIN_WARNING = (
    "No login is configured and this warehouse holds real posts, so post text, evidence and "
    "names are hidden: only counts and rates are shown. To see posts, configure login in "
    "`.streamlit/secrets.toml` and load a users register (docs/security.md, \"Security and privacy\").")


def login_configured() -> bool:
    """True when ``.streamlit/secrets.toml`` (or Streamlit's secrets) has an ``[auth]`` section."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all  # noqa: BLE001
        return False


def current_scope() -> access.Scope:
    """The session's scope; the most restrictive one until :func:`resolve` has run."""
    return st.session_state.get(SCOPE_KEY, access.NO_LOGIN)


def _email() -> str | None:
    user = st.user
    for claim in ("email", "preferred_username", "upn"):
        value = user.get(claim) if hasattr(user, "get") else None
        if value:
            return str(value)
    return None


def resolve(all_demo) -> access.Scope:
    """Decide the session's scope (stopping the page at sign-in or refusal) and remember it.
    ``all_demo()`` says whether every published post is synthetic demo data."""
    if login_configured():
        if not st.user.is_logged_in:
            st.session_state[SCOPE_KEY] = access.NO_LOGIN
            st.title("RadSoMe")
            st.markdown("Sign in with your organisation's account to see your services' social-media "
                        "engagement and compliance.")
            st.button("Sign in", key="sign_in", on_click=st.login, type="primary")
            st.stop()
        email = _email()
        user = access.find_user(email)
        if user is None:
            st.session_state[SCOPE_KEY] = access.NO_LOGIN
            if st.session_state.get(LOGIN_AUDITED_KEY) != f"denied:{email}":
                access.audit(access.Scope("none", email or "unknown"), "denied", "not in the users register")
                st.session_state[LOGIN_AUDITED_KEY] = f"denied:{email}"
            st.title("RadSoMe")
            st.error(f"{email or 'This account'} is signed in but not in RadSoMe's users register. "
                     "Ask your RadSoMe administrator to add you.")
            st.button("Sign out", key="sign_out_denied", on_click=st.logout)
            st.stop()
        scope = access.scope_for(user)
        if st.session_state.get(LOGIN_AUDITED_KEY) != scope.user:
            access.audit(scope, "login", scope.describe())
            st.session_state[LOGIN_AUDITED_KEY] = scope.user
    else:
        st.session_state[SCOPE_KEY] = access.NO_LOGIN  # until we know the data is all demo
        scope = access.DEMO if all_demo() else access.NO_LOGIN
    st.session_state[SCOPE_KEY] = scope
    return scope


def caption(scope: access.Scope) -> str:
    """The line under every page title saying who is looking and what they may see."""
    if scope.role == "demo":
        return LOCAL_DEMO
    if scope.role == "no_login":
        return "No login configured: counts and rates only"
    return f"Signed in as {scope.user} · {scope.describe()}"


def sidebar(scope: access.Scope) -> None:
    if not scope.signed_in:
        return
    with st.sidebar:
        st.caption(f"Signed in as **{scope.user}**  \n{scope.describe()}")
        st.button("Sign out", key="sign_out", on_click=st.logout)
