"""Releases of safegrid and the database schema each one left (docs/operations.md › Upgrades).

A release is marked in three places at once: the version in pyproject.toml, an annotated git tag
`v<version>` on its commit, and an entry here with that commit and every app's last migration. The
upgrade test (ops/tests/test_upgrade.py) builds a database with the code of the newest entry, fills it
with the demo county, upgrades it with today's code and checks the data. A migration named here must
never be deleted or squashed away: a county's database may still stand on it.
"""

RELEASES = {
    # The platform as first deployed: main before the operations work of issue 22.
    "0.1.0": {
        "commit": "96f62dcae07921aff5f4aad20e4f4ef502edf762",
        "migrations": {
            "accounts": "0003_user_enterprise",
            "audit": "0003_audit_lean_indexes",
            "hazards": "0008_industry_trade_2023_all_items",
            "inspections": "0002_seed_reference_data",
            "notifications": "0001_initial",
            "regions": "0001_initial",
            "registry": "0005_enterprise_lean_indexes",
            "risk": "0004_regrade_queue",
            "tips": "0002_timeline_event_base",
            "workcal": "0002_seed_chinese_calendar",
        },
    },
}


def previous():
    """The newest recorded release: (version, entry)."""
    version = max(RELEASES, key=lambda v: tuple(int(x) for x in v.split(".")))
    return version, RELEASES[version]
