-- Data exchange between the two states' systems (issue 11): partners and
-- their Ed25519 public keys, per-partner agreements (record types and the
-- fields that may go), and the sequence of packages in each direction.
CREATE TABLE exchange_partner (
    state TEXT PRIMARY KEY,
    public_key TEXT NOT NULL,
    added_at TEXT NOT NULL,
    added_by TEXT NOT NULL
);

CREATE TABLE exchange_agreement (
    state TEXT NOT NULL REFERENCES exchange_partner(state),
    record_type TEXT NOT NULL,
    fields TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (state, record_type)
);

-- Every package made or applied; outgoing ones keep their signed bytes so a
-- lost package can be sent again exactly as it was.
CREATE TABLE exchange_package (
    id TEXT PRIMARY KEY,
    direction TEXT NOT NULL CHECK (direction IN ('out', 'in')),
    state TEXT NOT NULL,
    seq INTEGER NOT NULL,
    cursor TEXT,
    records INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    envelope TEXT,
    at TEXT NOT NULL,
    UNIQUE (direction, state, seq)
);

-- Visa revocations and annulments received from the partner state, so this
-- state's posts refuse a partner visa that its issuer has withdrawn.
CREATE TABLE partner_revocation (
    id TEXT PRIMARY KEY,
    contributed_by TEXT NOT NULL,
    visa_number TEXT NOT NULL,
    issuing_state TEXT NOT NULL,
    passport_number TEXT,
    nationality TEXT,
    status TEXT NOT NULL,
    reason TEXT,
    ended_at TEXT NOT NULL,
    received_at TEXT NOT NULL
);
CREATE INDEX partner_revocation_visa ON partner_revocation(issuing_state, visa_number);
