"""Who may change the grid register: one table of role × action, checked by grid.services, so
the API and the admin refuse the same things. Everyone who may use the product reads it."""

from common.policy import Policy
from common.roles import Role

# Regions and the grid are provisioned by administrators or a provisioning client
# (API.md "Users, regions and grid (administration and provisioning)").
PROVISIONERS = frozenset({Role.ADMIN, Role.INTEGRATION})

POLICY = Policy(
    {
        "create_region": PROVISIONERS,
        "create_substation": PROVISIONERS,
        "create_feeder": PROVISIONERS,
    }
)
