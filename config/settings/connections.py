"""The business rules of connection projects (connections app, docs/connections.md), read by
config/settings/base.py: the time limits, the warning, the required documents."""

# --- Connection projects (业扩报装; DOMAIN.md §8) ----------------------------------------------
# Working-day limits on the official calendar, per supply scheme and step: `limit` is the
# company's own (State Grid assessment, DOMAIN.md 8.3), `regulator` the outer maximum of
# 供电监管办法 (8.1). `by_kind` overrides them for one kind of project (same shape, only the
# steps that differ). `commitment` is the public promise on the whole utility-side time (8.4);
# the step `accepted` has no limit (the application is accepted when the project is made).
CONNECTION_TIME_LIMITS: dict = {
    "steps": {
        "lv": {
            "supply_plan": {"limit": 7, "regulator": 8},
            "completion_inspection": {"limit": 5, "regulator": 5},
            "energization": {"limit": 5, "regulator": 5},
        },
        "hv_single": {
            "supply_plan": {"limit": 15, "regulator": 20},
            "design_review": {"limit": 10, "regulator": 20},
            "mid_inspection": {"limit": 5, "regulator": 5},
            "completion_inspection": {"limit": 5, "regulator": 7},
            "energization": {"limit": 5, "regulator": 7},
        },
        "hv_dual": {
            "supply_plan": {"limit": 30, "regulator": 45},
            "design_review": {"limit": 10, "regulator": 20},
            "mid_inspection": {"limit": 5, "regulator": 5},
            "completion_inspection": {"limit": 5, "regulator": 7},
            "energization": {"limit": 5, "regulator": 7},
        },
    },
    "by_kind": {},
    "commitment": {"lv": 6, "hv_single": 22, "hv_dual": 32},
}
# The owner is warned when a step (or the whole commitment) has this many working days left.
CONNECTION_WARNING_WORKING_DAYS = 2
# The documents asked of the customer in one go (一次性告知), per kind; codes of
# connections.documents.DOCUMENTS.
CONNECTION_REQUIRED_DOCUMENTS: dict[str, list[str]] = {
    "new": ["identity", "property", "load_list", "drawings"],
    "increase": ["identity", "load_list", "drawings", "contract"],
    "decrease": ["identity", "application_letter"],
    "temporary": ["identity", "load_list", "site_permit"],
    "suspension": ["identity", "application_letter"],
    "resumption": ["identity", "application_letter"],
}
CONNECTION_ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
