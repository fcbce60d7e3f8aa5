# SPDX-License-Identifier: Apache-2.0
"""Builds ICAO 9303 TD3 (passport) machine readable zones for tests, with
correct check digits (weights 7-3-1), so tests can present documents the
way a scanner delivers them. `spoil` changes a check digit on purpose."""


def check_digit(s):
    total = 0
    for i, ch in enumerate(s):
        if ch.isdigit():
            v = int(ch)
        elif ch == "<":
            v = 0
        else:
            v = ord(ch) - ord("A") + 10
        total += v * (7, 3, 1)[i % 3]
    return str(total % 10)


def _field(s, n):
    s = s.upper().replace(" ", "<").replace("-", "<")
    return (s + "<" * n)[:n]


def td3(number, nationality, birth, expiry, surname, given="", sex="M", issuing=None,
        spoil=False):
    """birth and expiry as YYYY-MM-DD; returns the two lines joined by a newline."""
    issuing = issuing or nationality
    name = _field(surname + "<<" + given, 39)
    l1 = "P<" + _field(issuing, 3) + name
    num = _field(number, 9)
    b = birth[2:4] + birth[5:7] + birth[8:10]
    e = expiry[2:4] + expiry[5:7] + expiry[8:10]
    personal = "<" * 14
    num_cd = check_digit(num)
    if spoil:
        num_cd = str((int(num_cd) + 1) % 10)
    parts = num + num_cd + _field(nationality, 3) + b + check_digit(b) + sex + e + \
        check_digit(e) + personal + check_digit(personal)
    composite = check_digit(num + num_cd + b + check_digit(b) + e + check_digit(e) +
                            personal + check_digit(personal))
    l2 = parts + composite
    assert len(l1) == 44 and len(l2) == 44, (l1, l2)
    return l1 + "\n" + l2
