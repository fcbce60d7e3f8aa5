# SPDX-License-Identifier: Apache-2.0
"""Sets up a fresh server for the border tests without the whole demo (which
also fills the registry and takes long): users officer, supervisor and
analyst, the four crossing pairs of the demo with their schedule history,
and visa-free rules, through the API and the CLI as an admin would."""

POINTS = [
    ("qaim", "Al-Qaim", "IRQ", "Anbar", None),
    ("albukamal", "Albu Kamal", "SYR", "Deir ez-Zor", "qaim"),
    ("rabia", "Rabia", "IRQ", "Ninewa", None),
    ("yarubiyah", "Al-Yarubiyah", "SYR", "Al-Hasakah", "rabia"),
    ("waleed", "Al-Waleed", "IRQ", "Anbar", None),
    ("tanf", "Al-Tanf", "SYR", "Homs", "waleed"),
    ("faysh-khabur", "Faysh Khabur (Peshkhabour)", "IRQ", "Duhok", None),
    ("semalka", "Semalka", "SYR", "Al-Hasakah", "faysh-khabur"),
]
HUMANITARIAN = "national,purpose:medical,returnee,cargo"
HISTORY = [
    ("qaim", "2019-09-30T00:00:00Z", {"mode": "open"}),
    ("albukamal", "2019-09-30T00:00:00Z", {"mode": "open"}),
    ("qaim", "2024-12-08T00:00:00Z", {"mode": "humanitarian", "categories": HUMANITARIAN}),
    ("albukamal", "2024-12-08T00:00:00Z", {"mode": "humanitarian", "categories": HUMANITARIAN}),
    ("rabia", "2020-01-10T00:00:00Z", {"mode": "groups"}),
    ("yarubiyah", "2020-01-10T00:00:00Z", {"mode": "groups"}),
    ("waleed", "2019-01-01T00:00:00Z", {"mode": "restricted_hours", "hours": "08:00-16:00"}),
    ("tanf", "2019-01-01T00:00:00Z", {"mode": "restricted_hours", "hours": "08:00-16:00"}),
    ("faysh-khabur", "2019-01-01T00:00:00Z", {"mode": "open"}),
    ("semalka", "2019-01-01T00:00:00Z", {"mode": "open"}),
]


ROLES = {"officer": "border_officer", "supervisor": "supervisor", "analyst": "analyst"}


def setup(srv, later, users=("officer", "supervisor", "analyst")):
    """`later` is a time a few weeks ahead, when Al-Qaim and Albu Kamal reopen.
    Returns the tokens of admin and `users` (each costs a password hash)."""
    admin = srv.login("admin")
    tokens = {"admin": admin}
    for name in users:
        tokens[name] = srv.add_user(admin, name, ROLES[name])
    for pid, name, state, gov, partner in POINTS:
        body = {"id": pid, "name": name, "state": state, "governorate": gov}
        if partner:
            body["partner_id"] = partner
        st, b, _ = srv.req("POST", "/api/v1/crossings", body, token=admin)
        if st != 201:
            raise RuntimeError("add crossing %s: %s %s" % (pid, st, b))
    for pid, frm, body in HISTORY + [("qaim", later, {"mode": "open"}),
                                     ("albukamal", later, {"mode": "open"})]:
        st, b, _ = srv.req("POST", "/api/v1/crossings/%s/schedule" % pid,
                           dict(body, **{"from": frm}), token=admin)
        if st != 201:
            raise RuntimeError("schedule %s: %s %s" % (pid, st, b))
    for state, nat, days, window in (("SYR", "LBN", 90, 180), ("SYR", "JOR", 90, 180)):
        srv.cli("crossing", "visa-free", state, nat, "--days", str(days), "--window",
                str(window), check=True)
    return tokens
